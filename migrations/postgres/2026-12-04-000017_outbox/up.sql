-- The outbox: every message owed to someone (an applicant's e-mail or
-- SMS, a préfecture system's webhook) is written here in the same
-- transaction as the change that owes it, then sent by a worker in any
-- server process. `id` is the message's stable id: sent again after a
-- crash, a message carries the same id, which receivers de-duplicate on.
--
-- `payload` holds what the message says without personal data
-- (reference, times, reason); `sealed` holds what sending needs and must
-- not be read from the database (the address, a management token),
-- encrypted with the server's outbox key, and is erased once the message
-- is sent, given up or cancelled.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
    reservation_id  TEXT REFERENCES reservations (id) ON DELETE CASCADE,
    convocation_id  TEXT REFERENCES convocations (id) ON DELETE CASCADE,
    prefecture_code TEXT NOT NULL,
    language        TEXT NOT NULL DEFAULT 'fr',
    payload         TEXT NOT NULL,
    sealed          TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    due_at          TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_until     TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
-- The worker reads what is due; agents read a reservation's messages.
CREATE INDEX outbox_due_idx ON outbox (status, due_at);
CREATE INDEX outbox_reservation_idx ON outbox (reservation_id);
CREATE INDEX outbox_convocation_idx ON outbox (convocation_id);

-- The applicant's language, for their messages (`fr` unless they chose
-- another).
ALTER TABLE reservations ADD COLUMN language TEXT NOT NULL DEFAULT 'fr';
