-- Over-booking from measured no-shows (opt-in per préfecture). An
-- over-booked appointment or hold takes explicit extra units: occupancy
-- rows in lane 1 of its guichet's time, under the same primary key
-- extended by the lane, so that lane 0 (the guichet's own time) still
-- admits one holder per unit and lane 1 at most one more. How many extra
-- places a motif's day may take is bounded by the measured rate and the
-- préfecture's ceiling, counted under the (motif, day) guard's lock.
ALTER TABLE prefectures ADD COLUMN overbooking_ceiling_percent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE prefectures ADD COLUMN overbooking_weeks INTEGER NOT NULL DEFAULT 12;
ALTER TABLE prefectures ADD COLUMN overbooking_min_sample INTEGER NOT NULL DEFAULT 100;
ALTER TABLE reservations ADD COLUMN overbooked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE holds ADD COLUMN overbooked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE guichet_occupancy ADD COLUMN lane SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE guichet_occupancy ADD CONSTRAINT guichet_occupancy_lane CHECK (lane IN (0, 1));
ALTER TABLE guichet_occupancy DROP CONSTRAINT guichet_occupancy_pkey;
ALTER TABLE guichet_occupancy ADD CONSTRAINT guichet_occupancy_pkey
    PRIMARY KEY (guichet_id, unit_start, lane);
CREATE TABLE overbooking_guards (
    motif_id   TEXT NOT NULL REFERENCES motifs (id) ON DELETE CASCADE,
    day        DATE NOT NULL,
    touched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (motif_id, day)
);
