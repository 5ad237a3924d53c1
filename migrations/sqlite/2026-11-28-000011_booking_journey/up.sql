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
-- expiry), never both. SQLite cannot relax a NOT NULL in place: the table
-- is rebuilt, rows kept.
CREATE TABLE guichet_occupancy_new (
    guichet_id     TEXT NOT NULL REFERENCES guichets (id),
    unit_start     TIMESTAMP NOT NULL,
    reservation_id TEXT REFERENCES reservations (id) ON DELETE CASCADE,
    hold_id        TEXT REFERENCES holds (id) ON DELETE CASCADE,
    expires_at     TIMESTAMP,
    CONSTRAINT guichet_occupancy_pkey PRIMARY KEY (guichet_id, unit_start),
    CONSTRAINT guichet_occupancy_holder
        CHECK ((reservation_id IS NULL) <> (hold_id IS NULL)
               AND (hold_id IS NULL) = (expires_at IS NULL))
);
INSERT INTO guichet_occupancy_new (guichet_id, unit_start, reservation_id)
    SELECT guichet_id, unit_start, reservation_id FROM guichet_occupancy;
DROP TABLE guichet_occupancy;
ALTER TABLE guichet_occupancy_new RENAME TO guichet_occupancy;
CREATE INDEX guichet_occupancy_reservation_idx ON guichet_occupancy (reservation_id);
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

-- History: the previous and new values of a change, as JSON, and more
-- actions (the table is rebuilt to widen its check, rows kept).
CREATE TABLE reservation_events_new (
    id             TEXT PRIMARY KEY NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    occurred_at    TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL
        CHECK (action IN ('created', 'confirmed', 'cancelled', 'flagged', 'rescheduled')),
    detail         TEXT,
    previous       TEXT,
    current        TEXT
);
INSERT INTO reservation_events_new (id, reservation_id, occurred_at, actor, action, detail)
    SELECT id, reservation_id, occurred_at, actor, action, detail FROM reservation_events;
DROP TABLE reservation_events;
ALTER TABLE reservation_events_new RENAME TO reservation_events;
CREATE INDEX reservation_events_reservation_idx ON reservation_events (reservation_id, occurred_at);

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
