-- The counter's day: what happens once an appointment's day has come,
-- walk-ins, and appointments booked by agents for someone else.
--
-- An appointment's status goes on from `booked` to `checked_in`, `called`,
-- `done` or `no_show`. `channel` says how it was made (web, convocation,
-- phone, counter, intermediary, walk_in). `freed_from` is set when the
-- person has left or never came: the guichet's units from then on were
-- given back (what had passed stays taken). `no_show_swept_at` marks rows
-- the automatic no-show task has handled, so that it acts once per
-- appointment, on any number of servers, even after an agent's undo.
--
-- SQLite cannot widen a CHECK constraint: `reservations` is rebuilt with the
-- new statuses and columns, every row copied (the SQLite manual's "other
-- kinds of table schema changes"). Its children (occupancy, history, holds'
-- units, convocations' uses) reference it by name: with foreign keys on,
-- dropping the old table would delete their rows in cascade, so foreign
-- keys are off for the rebuild, which is why this migration runs outside
-- diesel's transaction (metadata.toml) and opens its own. The store's
-- migration test proves every row and every child kept.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE reservations_rebuilt (
    id               TEXT PRIMARY KEY NOT NULL,
    reference        TEXT NOT NULL,
    token_hash       TEXT NOT NULL,
    site_id          TEXT NOT NULL REFERENCES sites (id),
    motif_id         TEXT NOT NULL REFERENCES motifs (id),
    guichet_id       TEXT NOT NULL REFERENCES guichets (id),
    starts_at        TIMESTAMP NOT NULL,
    ends_at          TIMESTAMP NOT NULL,
    status           TEXT NOT NULL CHECK (status IN
        ('booked', 'cancelled', 'checked_in', 'called', 'done', 'no_show')),
    last_name        TEXT NOT NULL,
    first_names      TEXT NOT NULL,
    birth_date       DATE NOT NULL,
    email            TEXT NOT NULL,
    phone            TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    cancelled_at     TIMESTAMP,
    needs_rebooking  BOOLEAN NOT NULL DEFAULT FALSE,
    persons          INTEGER NOT NULL DEFAULT 1,
    nationality      TEXT,
    file_number      TEXT,
    person_key       TEXT,
    demarche_code    TEXT,
    convocation_id   TEXT REFERENCES convocations (id),
    file_key         TEXT,
    key_version      INTEGER NOT NULL DEFAULT 1,
    channel          TEXT NOT NULL DEFAULT 'web',
    freed_from       TIMESTAMP,
    no_show_swept_at TIMESTAMP,
    CONSTRAINT reservations_reference_key UNIQUE (reference),
    CHECK (ends_at > starts_at)
);
INSERT INTO reservations_rebuilt (
    id, reference, token_hash, site_id, motif_id, guichet_id, starts_at, ends_at,
    status, last_name, first_names, birth_date, email, phone, created_at,
    updated_at, cancelled_at, needs_rebooking, persons, nationality, file_number,
    person_key, demarche_code, convocation_id, file_key, key_version, channel)
SELECT
    id, reference, token_hash, site_id, motif_id, guichet_id, starts_at, ends_at,
    status, last_name, first_names, birth_date, email, phone, created_at,
    updated_at, cancelled_at, needs_rebooking, persons, nationality, file_number,
    person_key, demarche_code, convocation_id, file_key, key_version,
    CASE WHEN convocation_id IS NULL THEN 'web' ELSE 'convocation' END
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

-- The history records each counter step (named after the status it leads
-- to) and the undoing of one.
CREATE TABLE reservation_events_rebuilt (
    id             TEXT PRIMARY KEY NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    occurred_at    TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN
        ('created', 'confirmed', 'cancelled', 'flagged', 'rescheduled',
         'checked_in', 'called', 'done', 'no_show', 'undone')),
    detail         TEXT,
    previous       TEXT,
    current        TEXT
);
INSERT INTO reservation_events_rebuilt
    (id, reservation_id, occurred_at, actor, action, detail, previous, current)
SELECT id, reservation_id, occurred_at, actor, action, detail, previous, current
FROM reservation_events;
DROP TABLE reservation_events;
ALTER TABLE reservation_events_rebuilt RENAME TO reservation_events;
CREATE INDEX reservation_events_reservation_idx ON reservation_events (reservation_id, occurred_at);

-- The audit trail also records reads of personal data (a day's contact
-- details shown to an agent): action `read`.
CREATE TABLE audit_events_rebuilt (
    id          TEXT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    departement TEXT,
    site_id     TEXT,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted', 'read')),
    before      TEXT,
    after       TEXT
);
INSERT INTO audit_events_rebuilt
    (id, occurred_at, actor, departement, site_id, entity, entity_id, action, before, after)
SELECT id, occurred_at, actor, departement, site_id, entity, entity_id, action, before, after
FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_rebuilt RENAME TO audit_events;
CREATE INDEX audit_events_departement_idx ON audit_events (departement, occurred_at);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, occurred_at);
CREATE INDEX audit_events_site_idx ON audit_events (site_id, occurred_at);

-- What the counter recorded (step times: the history keeps who took each
-- step), a walk-in's ticket, and who booked for whom. One row per
-- reservation, written with it; reservations from before have none.
CREATE TABLE reservation_counter (
    reservation_id TEXT PRIMARY KEY REFERENCES reservations (id) ON DELETE CASCADE,
    arrived_at     TIMESTAMP,
    called_at      TIMESTAMP,
    called_to      TEXT,
    finished_at    TIMESTAMP,
    ticket         INTEGER,
    booked_by      TEXT NOT NULL DEFAULT 'applicant',
    organisation   TEXT,
    contact_note   TEXT
);
-- The day view reads a site's day; the no-show task, booked appointments
-- whose start has passed.
CREATE INDEX reservations_site_time_idx ON reservations (site_id, starts_at);
CREATE INDEX reservations_status_time_idx ON reservations (status, starts_at);

-- The préfecture's counter settings.
ALTER TABLE prefectures ADD COLUMN no_show_after_minutes INTEGER NOT NULL DEFAULT 30;
ALTER TABLE prefectures ADD COLUMN walk_in_horizon_minutes INTEGER NOT NULL DEFAULT 60;
ALTER TABLE prefectures ADD COLUMN agent_daily_bookings INTEGER NOT NULL DEFAULT 100;

-- Walk-in tickets: one counter per site and local day, raised in the
-- walk-in's own transaction, so that two agents registering at once get
-- two numbers.
CREATE TABLE walk_in_tickets (
    site_id     TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day         DATE NOT NULL,
    last_ticket INTEGER NOT NULL,
    PRIMARY KEY (site_id, day)
);

-- Appointments each agent booked for others, per day (UTC): raised in the
-- booking's transaction only while below the préfecture's cap.
CREATE TABLE agent_bookings (
    actor TEXT NOT NULL,
    day   DATE NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (actor, day)
);

COMMIT;
PRAGMA foreign_keys = ON;
