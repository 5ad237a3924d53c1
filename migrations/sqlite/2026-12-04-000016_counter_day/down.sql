-- Back to before the counter's day: counter statuses become `booked` again,
-- counter steps leave the history, and `reservations` is rebuilt with the
-- old check (foreign keys off, as in up.sql).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TABLE agent_bookings;
DROP TABLE walk_in_tickets;
ALTER TABLE prefectures DROP COLUMN agent_daily_bookings;
ALTER TABLE prefectures DROP COLUMN walk_in_horizon_minutes;
ALTER TABLE prefectures DROP COLUMN no_show_after_minutes;
DROP TABLE reservation_counter;

CREATE TABLE audit_events_rebuilt (
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
INSERT INTO audit_events_rebuilt
SELECT id, occurred_at, actor, departement, site_id, entity, entity_id, action, before, after
FROM audit_events WHERE action <> 'read';
DROP TABLE audit_events;
ALTER TABLE audit_events_rebuilt RENAME TO audit_events;
CREATE INDEX audit_events_departement_idx ON audit_events (departement, occurred_at);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, occurred_at);
CREATE INDEX audit_events_site_idx ON audit_events (site_id, occurred_at);

CREATE TABLE reservation_events_rebuilt (
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
INSERT INTO reservation_events_rebuilt
SELECT id, reservation_id, occurred_at, actor, action, detail, previous, current
FROM reservation_events
WHERE action IN ('created', 'confirmed', 'cancelled', 'flagged', 'rescheduled');
DROP TABLE reservation_events;
ALTER TABLE reservation_events_rebuilt RENAME TO reservation_events;
CREATE INDEX reservation_events_reservation_idx ON reservation_events (reservation_id, occurred_at);

CREATE TABLE reservations_rebuilt (
    id              TEXT PRIMARY KEY NOT NULL,
    reference       TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    site_id         TEXT NOT NULL REFERENCES sites (id),
    motif_id        TEXT NOT NULL REFERENCES motifs (id),
    guichet_id      TEXT NOT NULL REFERENCES guichets (id),
    starts_at       TIMESTAMP NOT NULL,
    ends_at         TIMESTAMP NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    last_name       TEXT NOT NULL,
    first_names     TEXT NOT NULL,
    birth_date      DATE NOT NULL,
    email           TEXT NOT NULL,
    phone           TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    cancelled_at    TIMESTAMP,
    needs_rebooking BOOLEAN NOT NULL DEFAULT FALSE,
    persons         INTEGER NOT NULL DEFAULT 1,
    nationality     TEXT,
    file_number     TEXT,
    person_key      TEXT,
    demarche_code   TEXT,
    convocation_id  TEXT REFERENCES convocations (id),
    file_key        TEXT,
    key_version     INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT reservations_reference_key UNIQUE (reference),
    CHECK (ends_at > starts_at)
);
INSERT INTO reservations_rebuilt
SELECT id, reference, token_hash, site_id, motif_id, guichet_id, starts_at, ends_at,
    CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'booked' END,
    last_name, first_names, birth_date, email, phone, created_at, updated_at,
    cancelled_at, needs_rebooking, persons, nationality, file_number, person_key,
    demarche_code, convocation_id, file_key, key_version
FROM reservations;
DROP TABLE reservations;
ALTER TABLE reservations_rebuilt RENAME TO reservations;
CREATE INDEX reservations_guichet_time_idx ON reservations (guichet_id, starts_at);
CREATE INDEX reservations_motif_time_idx ON reservations (motif_id, starts_at);
CREATE INDEX reservations_person_idx ON reservations (person_key, demarche_code, starts_at);
CREATE INDEX reservations_convocation_idx ON reservations (convocation_id);
CREATE INDEX reservations_file_key_idx ON reservations (file_key)
    WHERE file_key IS NOT NULL;
CREATE INDEX reservations_stale_keys_idx ON reservations (id)
    WHERE key_version < 2 AND person_key IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
