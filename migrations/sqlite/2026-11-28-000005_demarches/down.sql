DROP INDEX motifs_demarche_idx;
ALTER TABLE motifs DROP COLUMN duration_overridden;
ALTER TABLE motifs DROP COLUMN description_overridden;
ALTER TABLE motifs DROP COLUMN label_overridden;
ALTER TABLE motifs DROP COLUMN demarche_code;
DROP TABLE demarches;
