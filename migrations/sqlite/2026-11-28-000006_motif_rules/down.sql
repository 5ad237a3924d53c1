ALTER TABLE motifs DROP COLUMN cancellation_deadline_hours;
ALTER TABLE motifs DROP COLUMN min_notice_hours;
ALTER TABLE motifs DROP COLUMN booking_window_days;
