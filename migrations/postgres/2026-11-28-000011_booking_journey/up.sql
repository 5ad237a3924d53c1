-- The booking journey: holds, applicants' identity, doublons, history.

-- A slot kept for an applicant while they fill in the form. It occupies its
-- guichet exactly like a reservation (occupancy rows below) until it
-- expires; an expired hold stops counting at once, because its occupancy
-- rows carry the expiry and every read and write ignores or replaces
-- expired ones. A periodic cleanup deletes expired holds.
CREATE TABLE holds (
    id             TEXT PRIMARY KEY NOT NULL,
    site_id        TEXT NOT NULL REFERENCES sites (id),
    motif_id       TEXT NOT NULL REFERENCES motifs (id),
    guichet_id     TEXT NOT NULL REFERENCES guichets (id),
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    persons        INTEGER NOT NULL CHECK (persons >= 1),
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (expires_at > created_at)
);
CREATE INDEX holds_guichet_time_idx ON holds (guichet_id, starts_at);
CREATE INDEX holds_expiry_idx ON holds (expires_at);

-- Occupancy rows belong to a reservation or to a hold (then with its
-- expiry), never both.
ALTER TABLE guichet_occupancy ALTER COLUMN reservation_id DROP NOT NULL;
ALTER TABLE guichet_occupancy ADD COLUMN hold_id TEXT REFERENCES holds (id) ON DELETE CASCADE;
ALTER TABLE guichet_occupancy ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE guichet_occupancy ADD CONSTRAINT guichet_occupancy_holder
    CHECK ((reservation_id IS NULL) <> (hold_id IS NULL)
           AND (hold_id IS NULL) = (expires_at IS NULL));
CREATE INDEX guichet_occupancy_hold_idx ON guichet_occupancy (hold_id);

-- Who comes: number of persons, nationality and foreigner file number
-- (optional), and the key doublons are found by (the file number when
-- given, else the normalised names and birth date), with the démarche.
ALTER TABLE reservations ADD COLUMN persons INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reservations ADD COLUMN nationality TEXT;
ALTER TABLE reservations ADD COLUMN file_number TEXT;
ALTER TABLE reservations ADD COLUMN person_key TEXT;
ALTER TABLE reservations ADD COLUMN demarche_code TEXT;
CREATE INDEX reservations_person_idx ON reservations (person_key, demarche_code, starts_at);

-- One row per (person, démarche) ever booked: booking locks it first, so
-- two simultaneous bookings by one person for one démarche, on any number
-- of servers, check for each other one after the other.
CREATE TABLE person_guards (
    person_key    TEXT NOT NULL,
    demarche_code TEXT NOT NULL,
    touched_at    TIMESTAMP NOT NULL,
    CONSTRAINT person_guards_pkey PRIMARY KEY (person_key, demarche_code)
);

-- Per motif: whether doublons are refused (the default).
ALTER TABLE motifs ADD COLUMN refuse_doublons BOOLEAN NOT NULL DEFAULT TRUE;

-- History: the previous and new values of a change, as JSON.
ALTER TABLE reservation_events DROP CONSTRAINT reservation_events_action_check;
ALTER TABLE reservation_events ADD CONSTRAINT reservation_events_action_check
    CHECK (action IN ('created', 'confirmed', 'cancelled', 'flagged', 'rescheduled'));
ALTER TABLE reservation_events ADD COLUMN previous TEXT;
ALTER TABLE reservation_events ADD COLUMN current TEXT;

-- Idempotency keys: a retried POST with the same key and body returns the
-- first answer. Keys are stored hashed, with the request's hash; the
-- answer's body is stored encrypted with a key derived from the client's
-- key (it holds a management token), so the database alone cannot read it.
CREATE TABLE idempotency_keys (
    key_hash      TEXT PRIMARY KEY NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    body          TEXT,
    location      TEXT,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
