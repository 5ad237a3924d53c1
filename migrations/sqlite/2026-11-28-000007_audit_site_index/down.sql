DROP INDEX audit_events_site_idx;
