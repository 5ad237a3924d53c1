-- SQLite dialect of the PostgreSQL migration of the same name (identical here).
-- Webhook subscriptions: a préfecture's systems hear of its appointments
-- and convocations (see planipref_domain::messages::webhook). The secret
-- signs deliveries: it is shown once, at creation, and kept sealed with
-- the outbox key (signing needs it, so it cannot be hashed).
CREATE TABLE webhook_subscriptions (
    id              TEXT PRIMARY KEY NOT NULL,
    prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    url             TEXT NOT NULL,
    -- The events listened to, as a JSON array of their names.
    events          TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    secret_sealed   TEXT NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX webhook_subscriptions_prefecture_idx ON webhook_subscriptions (prefecture_code);

-- A webhook message is for one subscription (deleted with it), and keeps
-- the HTTP status of its last attempt for the préfecture to see.
ALTER TABLE outbox ADD COLUMN subscription_id TEXT REFERENCES webhook_subscriptions (id) ON DELETE CASCADE;
ALTER TABLE outbox ADD COLUMN response_status INTEGER;
CREATE INDEX outbox_subscription_idx ON outbox (subscription_id, created_at);
