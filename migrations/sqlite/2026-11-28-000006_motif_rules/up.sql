-- Booking rules of a motif: how far ahead slots open (booking window), how
-- late one may still book (minimum notice) and cancel (deadline).
ALTER TABLE motifs ADD COLUMN booking_window_days INTEGER NOT NULL DEFAULT 90
    CHECK (booking_window_days BETWEEN 1 AND 366);
ALTER TABLE motifs ADD COLUMN min_notice_hours INTEGER NOT NULL DEFAULT 24
    CHECK (min_notice_hours BETWEEN 0 AND 720);
ALTER TABLE motifs ADD COLUMN cancellation_deadline_hours INTEGER NOT NULL DEFAULT 24
    CHECK (cancellation_deadline_hours BETWEEN 0 AND 720);
