-- SQLite dialect of the PostgreSQL migration of the same name: SQLite has
-- no INCLUDE, the columns read are keys after (site, start).
-- Statistics count a site's appointments over up to a year (17,500 for a
-- département on the national data) in a few passes over the (site,
-- start) range: the index now carries every column they read, so that
-- those passes read the index alone (a covering index) rather than one
-- table row per appointment (on SQLite, most of the time of a
-- département's year went to those table reads). It replaces the (site,
-- start) index, whose queries (the day view, the no-show task) use it
-- the same way.
CREATE INDEX reservations_site_time_stats_idx ON reservations
    (site_id, starts_at, ends_at, freed_from, motif_id, guichet_id, channel, status, id);
DROP INDEX reservations_site_time_idx;
