ALTER TABLE reservations DROP COLUMN language;
DROP TABLE outbox;
