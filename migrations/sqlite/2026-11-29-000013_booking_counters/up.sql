-- SQLite dialect of the PostgreSQL migration of the same name (identical here).
-- Bookings and cancellations count here, one row per guichet, instead of
-- raising the guichet's own `version`: that row is locked by every
-- administrative change of the guichet, and bookings now only share it
-- (FOR SHARE), so that they no longer queue on it. Each booking raises its
-- counter as its last statement, so the row is held only while the
-- transaction commits. Availability versions sum both counters.
CREATE TABLE guichet_bookings (
    guichet_id TEXT PRIMARY KEY NOT NULL REFERENCES guichets (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL DEFAULT 0
);
