ALTER TABLE reservation_counter DROP COLUMN ds_dossier_number;
ALTER TABLE convocations DROP COLUMN ds_dossier_number;
ALTER TABLE reservation_counter DROP COLUMN file_check_status;
ALTER TABLE reservation_counter DROP COLUMN file_check_system;
ALTER TABLE holds DROP COLUMN file_check_status;
ALTER TABLE holds DROP COLUMN file_key;
ALTER TABLE demarches DROP COLUMN file_check_on_failure;
ALTER TABLE demarches DROP COLUMN file_check;
