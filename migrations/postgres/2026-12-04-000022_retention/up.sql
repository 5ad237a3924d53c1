-- Retention (RGPD): how long each préfecture keeps applicants' identity
-- and contact, messages, and the audit trail, in months; when a
-- reservation's or a convocation's person was erased (their row stays, for
-- the statistics); and what each purge erased (counts only).
ALTER TABLE prefectures ADD COLUMN retention_identity_months INTEGER NOT NULL DEFAULT 9;
ALTER TABLE prefectures ADD COLUMN retention_message_months INTEGER NOT NULL DEFAULT 1;
ALTER TABLE prefectures ADD COLUMN retention_audit_months INTEGER NOT NULL DEFAULT 60;
ALTER TABLE reservations ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE convocations ADD COLUMN erased_at TIMESTAMP;
CREATE TABLE purge_runs (
    id              TEXT PRIMARY KEY NOT NULL,
    ran_at          TIMESTAMP NOT NULL,
    prefecture_code TEXT NOT NULL,
    -- identities, convocations, messages, audit_pseudonymised, audit_deleted
    category        TEXT NOT NULL,
    -- retention (the task) or request (a person's legal request)
    cause           TEXT NOT NULL,
    erased          INTEGER NOT NULL
);
CREATE INDEX purge_runs_prefecture_idx ON purge_runs (prefecture_code, ran_at);
CREATE INDEX outbox_prefecture_created_idx ON outbox (prefecture_code, created_at);
