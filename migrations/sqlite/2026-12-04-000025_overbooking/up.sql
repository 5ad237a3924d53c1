-- SQLite dialect of the PostgreSQL migration of the same name: SQLite
-- cannot change a primary key in place, so the occupancy table is rebuilt
-- with its rows (the SQLite manual's "other kinds of table schema
-- changes"), foreign keys off as for the counter's day: the rows are
-- copied as they are, not checked again one by one.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
ALTER TABLE prefectures ADD COLUMN overbooking_ceiling_percent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prefectures ADD COLUMN overbooking_weeks INTEGER NOT NULL DEFAULT 12;
ALTER TABLE prefectures ADD COLUMN overbooking_min_sample INTEGER NOT NULL DEFAULT 100;
ALTER TABLE reservations ADD COLUMN overbooked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE holds ADD COLUMN overbooked BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE guichet_occupancy_new (
    guichet_id     TEXT NOT NULL REFERENCES guichets (id),
    unit_start     TIMESTAMP NOT NULL,
    reservation_id TEXT REFERENCES reservations (id) ON DELETE CASCADE,
    hold_id        TEXT REFERENCES holds (id) ON DELETE CASCADE,
    expires_at     TIMESTAMP,
    lane           SMALLINT NOT NULL DEFAULT 0,
    CONSTRAINT guichet_occupancy_pkey PRIMARY KEY (guichet_id, unit_start, lane),
    CONSTRAINT guichet_occupancy_holder
        CHECK ((reservation_id IS NULL) <> (hold_id IS NULL)
               AND (hold_id IS NULL) = (expires_at IS NULL)),
    CONSTRAINT guichet_occupancy_lane CHECK (lane IN (0, 1))
);
INSERT INTO guichet_occupancy_new (guichet_id, unit_start, reservation_id, hold_id, expires_at)
    SELECT guichet_id, unit_start, reservation_id, hold_id, expires_at FROM guichet_occupancy;
DROP TABLE guichet_occupancy;
ALTER TABLE guichet_occupancy_new RENAME TO guichet_occupancy;
CREATE INDEX guichet_occupancy_reservation_idx ON guichet_occupancy (reservation_id);
CREATE INDEX guichet_occupancy_hold_idx ON guichet_occupancy (hold_id);
CREATE TABLE overbooking_guards (
    motif_id   TEXT NOT NULL REFERENCES motifs (id) ON DELETE CASCADE,
    day        DATE NOT NULL,
    touched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (motif_id, day)
);
COMMIT;
PRAGMA foreign_keys = ON;
