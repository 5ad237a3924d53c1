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
ALTER TABLE reservation_events DROP CONSTRAINT reservation_events_action_check;
ALTER TABLE reservation_events ADD CONSTRAINT reservation_events_action_check
    CHECK (action IN ('created', 'cancelled', 'flagged'));
