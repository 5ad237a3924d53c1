-- SQLite dialect of the PostgreSQL migration of the same name (each
-- constraint on its own column: SQLite adds no table constraint later).
-- File-status checks. A démarche may ask that the applicant's file be
-- checked with a State system before a hold or a booking (ANEF/AGDREF for
-- residence permits, SNPC for driving licences; NULL: no check), and says
-- what happens when the system cannot say: refuse, or accept the booking
-- flagged for agents.
ALTER TABLE demarches ADD COLUMN file_check TEXT
    CHECK (file_check IN ('anef', 'snpc'));
ALTER TABLE demarches ADD COLUMN file_check_on_failure TEXT NOT NULL DEFAULT 'refuse'
    CHECK (file_check_on_failure IN ('refuse', 'accept_and_flag'));
-- A hold keeps what its check found, for the file number it was made for
-- (a hash, as the person's file key): confirming it for that number asks
-- the system nothing more.
ALTER TABLE holds ADD COLUMN file_key TEXT;
ALTER TABLE holds ADD COLUMN file_check_status TEXT
    CHECK (file_check_status IN ('validated', 'unverified'));
-- A reservation keeps which system checked its file and what it found
-- (`unverified`: the system could not say, agents check at the counter),
-- beside how it was made (the reservation's own table has diesel's 32
-- columns already).
ALTER TABLE reservation_counter ADD COLUMN file_check_system TEXT
    CHECK (file_check_system IN ('anef', 'snpc'));
ALTER TABLE reservation_counter ADD COLUMN file_check_status TEXT
    CHECK (file_check_status IN ('validated', 'unverified'));
-- A convocation may carry the démarches-simplifiées dossier it follows,
-- copied to the appointment it books: for agents only.
ALTER TABLE convocations ADD COLUMN ds_dossier_number BIGINT;
ALTER TABLE reservation_counter ADD COLUMN ds_dossier_number BIGINT;
