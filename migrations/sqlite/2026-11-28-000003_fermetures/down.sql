ALTER TABLE reservations DROP COLUMN needs_rebooking;
DROP TABLE fermetures;
