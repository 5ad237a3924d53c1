-- Agents list the audit trail of their sites: index it by site.
CREATE INDEX audit_events_site_idx ON audit_events (site_id, occurred_at);
