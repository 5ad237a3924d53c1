CREATE INDEX reservations_site_time_idx ON reservations (site_id, starts_at);
DROP INDEX reservations_site_time_stats_idx;
