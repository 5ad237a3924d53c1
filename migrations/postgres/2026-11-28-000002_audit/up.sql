-- Every administrative write: who (the agent's sub), what (entity, id,
-- action), when, and the values before and after (JSON text). Append-only:
-- the API never updates or deletes a row. departement and site_id place the
-- entry in a scope, so that each administrator lists only their own.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    departement TEXT,
    site_id     TEXT,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_events_departement_idx ON audit_events (departement, occurred_at);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, occurred_at);
