-- SQLite dialect of the PostgreSQL migration of the same name (identical here).
-- A person has two keys (planipref_domain::applicant::PersonKeys): the
-- identity key (folded names and birth date), always kept in person_key,
-- and the file key (the foreigner file number), when one was given. A
-- booking is refused when either matches a coming appointment: giving a
-- file number, leaving it out or giving another one no longer makes a
-- second person, for doublons or for the limit of appointments.
ALTER TABLE reservations ADD COLUMN file_key TEXT;
-- A person's appointments by file key (reservations_person_idx serves the
-- identity key); appointments without a file number stay out of it.
CREATE INDEX reservations_file_key_idx ON reservations (file_key)
    WHERE file_key IS NOT NULL;

-- How the keys were computed (PERSON_KEYS_VERSION of the domain). Rows
-- stored before are version 1: person_key was the file number's key when
-- one was given, and names were folded by a fixed table of letters. The
-- store computes their keys again right after migrating, from their names,
-- birth date and file number (SQL cannot fold names as the domain does).
-- Rows the booking path never keyed (person_key NULL: the national seed's
-- fake applicants) have nothing to compute.
ALTER TABLE reservations ADD COLUMN key_version INTEGER NOT NULL DEFAULT 1;
-- The rows left to compute again, so that finding none, at every start,
-- reads an empty index rather than the whole table. A version that
-- changes the keys again replaces it (its bound is the version).
CREATE INDEX reservations_stale_keys_idx ON reservations (id)
    WHERE key_version < 2 AND person_key IS NOT NULL;
