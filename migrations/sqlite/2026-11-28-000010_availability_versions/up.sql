-- Availability versions. Slots and first free slots are cached by each
-- server process and checked, on every read, against these counters, which
-- every change that can alter them increases in its own transaction: a
-- booking or cancellation its guichet's `version` (the row it locks
-- anyway, so bookings of one site never wait on each other), any audited
-- change to a site's organisation the site's `availability_version`.
ALTER TABLE sites ADD COLUMN availability_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guichets ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
