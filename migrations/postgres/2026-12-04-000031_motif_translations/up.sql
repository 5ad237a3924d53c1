-- Translations of a motif's texts (its French is the motif itself). Each
-- remembers the digest of the French it was made from: once the French
-- changes, it is out of date and applicants read the French again.
CREATE TABLE motif_translations (
    motif_id TEXT NOT NULL REFERENCES motifs (id) ON DELETE CASCADE,
    language TEXT NOT NULL CHECK (language <> 'fr'),
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    instructions TEXT NOT NULL,
    -- A JSON array of strings, as motifs.documents.
    documents TEXT NOT NULL,
    source_digest TEXT NOT NULL,
    PRIMARY KEY (motif_id, language)
);
