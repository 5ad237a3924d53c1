ALTER TABLE motifs DROP COLUMN step_minutes;
DROP TABLE reference_data;
DROP TABLE communes;
