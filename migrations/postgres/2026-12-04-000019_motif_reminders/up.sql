-- When each motif's appointments are reminded: hours before the start, as
-- a JSON array (at most three; empty: no reminder). 48 and 24 hours by
-- default, as before.
ALTER TABLE motifs ADD COLUMN reminder_hours TEXT NOT NULL DEFAULT '[48,24]';
