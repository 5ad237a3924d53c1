PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DROP TABLE overbooking_guards;
CREATE TABLE guichet_occupancy_old (
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
INSERT INTO guichet_occupancy_old (guichet_id, unit_start, reservation_id, hold_id, expires_at)
    SELECT guichet_id, unit_start, reservation_id, hold_id, expires_at FROM guichet_occupancy
    WHERE lane = 0;
DROP TABLE guichet_occupancy;
ALTER TABLE guichet_occupancy_old RENAME TO guichet_occupancy;
CREATE INDEX guichet_occupancy_reservation_idx ON guichet_occupancy (reservation_id);
CREATE INDEX guichet_occupancy_hold_idx ON guichet_occupancy (hold_id);
ALTER TABLE holds DROP COLUMN overbooked;
ALTER TABLE reservations DROP COLUMN overbooked;
ALTER TABLE prefectures DROP COLUMN overbooking_min_sample;
ALTER TABLE prefectures DROP COLUMN overbooking_weeks;
ALTER TABLE prefectures DROP COLUMN overbooking_ceiling_percent;
COMMIT;
PRAGMA foreign_keys = ON;
