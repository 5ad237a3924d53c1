ALTER TABLE motifs DROP COLUMN reminder_hours;
