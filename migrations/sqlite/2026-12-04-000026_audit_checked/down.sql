ALTER TABLE audit_events DROP COLUMN pseudonymised_at;
