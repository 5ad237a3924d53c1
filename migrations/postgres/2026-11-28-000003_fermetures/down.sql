ALTER TABLE reservation_events DROP CONSTRAINT reservation_events_action_check;
ALTER TABLE reservation_events ADD CONSTRAINT reservation_events_action_check
    CHECK (action IN ('created', 'cancelled'));
ALTER TABLE reservations DROP COLUMN needs_rebooking;
DROP TABLE fermetures;
