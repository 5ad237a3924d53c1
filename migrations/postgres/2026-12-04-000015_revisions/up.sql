-- PostgreSQL dialect of the SQLite migration of the same name (identical here).
-- Optimistic concurrency for administrators. Each row an administrator
-- edits carries a revision, sent to clients as its `version` (and ETag);
-- a change names the revision it was made from (If-Match) and raises it
-- in the same statement that checks it, so that two agents editing the
-- same row never silently overwrite each other: the second is told the
-- row changed and reads it again. Anti-capture settings are columns of
-- their préfecture and share its revision.
ALTER TABLE prefectures ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE services ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE motifs ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE guichets ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE plages ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE fermetures ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE demarches ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
