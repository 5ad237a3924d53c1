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
ALTER TABLE reservations ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
ALTER TABLE reservations ADD COLUMN freed_from TIMESTAMP;
ALTER TABLE reservations ADD COLUMN no_show_swept_at TIMESTAMP;
UPDATE reservations SET channel = 'convocation' WHERE convocation_id IS NOT NULL;
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN
    ('booked', 'cancelled', 'checked_in', 'called', 'done', 'no_show'));

-- The history records each counter step (named after the status it leads
-- to) and the undoing of one.
ALTER TABLE reservation_events DROP CONSTRAINT reservation_events_action_check;
ALTER TABLE reservation_events ADD CONSTRAINT reservation_events_action_check CHECK (action IN
    ('created', 'confirmed', 'cancelled', 'flagged', 'rescheduled',
     'checked_in', 'called', 'done', 'no_show', 'undone'));

-- The audit trail also records reads of personal data (a day's contact
-- details shown to an agent): action `read`.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('created', 'updated', 'deleted', 'read'));

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
