-- A closure of a whole site (guichet_id NULL) or of one guichet, over an
-- interval of instants (UTC). Whole days are stored as the site's local
-- midnights. No slot is offered while it lasts.
CREATE TABLE fermetures (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    guichet_id TEXT REFERENCES guichets (id),
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL,
    reason     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX fermetures_site_idx ON fermetures (site_id, starts_at);

-- A reservation that a later change of the organisation (a closure, a
-- shrunk plage) left without its counter: kept, never deleted, and shown to
-- agents so that they re-book it with the applicant.
ALTER TABLE reservations ADD COLUMN needs_rebooking BOOLEAN NOT NULL DEFAULT FALSE;

-- History entries may now say that a reservation was flagged for re-booking.
-- SQLite cannot alter a CHECK constraint: the table is rebuilt, rows kept.
CREATE TABLE reservation_events_new (
    id             TEXT PRIMARY KEY NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    occurred_at    TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('created', 'cancelled', 'flagged')),
    detail         TEXT
);
INSERT INTO reservation_events_new (id, reservation_id, occurred_at, actor, action, detail)
    SELECT id, reservation_id, occurred_at, actor, action, detail FROM reservation_events;
DROP TABLE reservation_events;
ALTER TABLE reservation_events_new RENAME TO reservation_events;
CREATE INDEX reservation_events_reservation_idx ON reservation_events (reservation_id, occurred_at);
