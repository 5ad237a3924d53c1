ALTER TABLE guichets DROP COLUMN version;
ALTER TABLE sites DROP COLUMN availability_version;
