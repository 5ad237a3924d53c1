DROP TABLE idempotency_keys;
CREATE TABLE reservation_events_old (
    id             TEXT PRIMARY KEY NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    occurred_at    TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('created', 'cancelled', 'flagged')),
    detail         TEXT
);
INSERT INTO reservation_events_old (id, reservation_id, occurred_at, actor, action, detail)
    SELECT id, reservation_id, occurred_at, actor, action, detail FROM reservation_events
    WHERE action IN ('created', 'cancelled', 'flagged');
DROP TABLE reservation_events;
ALTER TABLE reservation_events_old RENAME TO reservation_events;
CREATE INDEX reservation_events_reservation_idx ON reservation_events (reservation_id, occurred_at);
ALTER TABLE motifs DROP COLUMN refuse_doublons;
DROP TABLE person_guards;
DROP INDEX reservations_person_idx;
ALTER TABLE reservations DROP COLUMN demarche_code;
ALTER TABLE reservations DROP COLUMN person_key;
ALTER TABLE reservations DROP COLUMN file_number;
ALTER TABLE reservations DROP COLUMN nationality;
ALTER TABLE reservations DROP COLUMN persons;
CREATE TABLE guichet_occupancy_old (
    guichet_id     TEXT NOT NULL REFERENCES guichets (id),
    unit_start     TIMESTAMP NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    CONSTRAINT guichet_occupancy_pkey PRIMARY KEY (guichet_id, unit_start)
);
INSERT INTO guichet_occupancy_old (guichet_id, unit_start, reservation_id)
    SELECT guichet_id, unit_start, reservation_id FROM guichet_occupancy
    WHERE reservation_id IS NOT NULL;
DROP TABLE guichet_occupancy;
ALTER TABLE guichet_occupancy_old RENAME TO guichet_occupancy;
CREATE INDEX guichet_occupancy_reservation_idx ON guichet_occupancy (reservation_id);
DROP TABLE holds;
