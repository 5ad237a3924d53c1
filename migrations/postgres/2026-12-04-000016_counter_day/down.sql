DELETE FROM audit_events WHERE action = 'read';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('created', 'updated', 'deleted'));
DROP TABLE agent_bookings;
DROP TABLE walk_in_tickets;
ALTER TABLE prefectures DROP COLUMN agent_daily_bookings;
ALTER TABLE prefectures DROP COLUMN walk_in_horizon_minutes;
ALTER TABLE prefectures DROP COLUMN no_show_after_minutes;
DROP INDEX reservations_status_time_idx;
DROP INDEX reservations_site_time_idx;
DROP TABLE reservation_counter;
DELETE FROM reservation_events
    WHERE action IN ('checked_in', 'called', 'done', 'no_show', 'undone');
ALTER TABLE reservation_events DROP CONSTRAINT reservation_events_action_check;
ALTER TABLE reservation_events ADD CONSTRAINT reservation_events_action_check
    CHECK (action IN ('created', 'confirmed', 'cancelled', 'flagged', 'rescheduled'));
UPDATE reservations SET status = 'booked' WHERE status NOT IN ('booked', 'cancelled');
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check
    CHECK (status IN ('booked', 'cancelled'));
ALTER TABLE reservations DROP COLUMN no_show_swept_at;
ALTER TABLE reservations DROP COLUMN freed_from;
ALTER TABLE reservations DROP COLUMN channel;
