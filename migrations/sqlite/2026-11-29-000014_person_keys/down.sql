-- person_key keeps the identity key: the version before finds a person by
-- file number again only among the appointments booked after this.
DROP INDEX reservations_stale_keys_idx;
ALTER TABLE reservations DROP COLUMN key_version;
DROP INDEX reservations_file_key_idx;
ALTER TABLE reservations DROP COLUMN file_key;
