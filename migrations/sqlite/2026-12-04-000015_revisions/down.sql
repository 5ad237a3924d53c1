ALTER TABLE demarches DROP COLUMN revision;
ALTER TABLE fermetures DROP COLUMN revision;
ALTER TABLE plages DROP COLUMN revision;
ALTER TABLE guichets DROP COLUMN revision;
ALTER TABLE motifs DROP COLUMN revision;
ALTER TABLE services DROP COLUMN revision;
ALTER TABLE sites DROP COLUMN revision;
ALTER TABLE prefectures DROP COLUMN revision;
