-- Orientation and the slot engine's settings.

-- The communes of INSEE's Code officiel géographique, and the municipal
-- arrondissements of Paris, Lyon and Marseille: an applicant's commune of
-- residence decides which site is competent. `planipref migrate` loads
-- them from the reference data embedded in the binary (reference/
-- communes.csv) and reloads them when that data changes.
CREATE TABLE communes (
    insee          TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('commune', 'arrondissement_municipal')),
    departement    TEXT NOT NULL,
    -- NULL where the territory has no arrondissement (Mayotte…): the
    -- préfecture is then competent.
    arrondissement TEXT,
    -- The commune a municipal arrondissement belongs to.
    parent_commune TEXT,
    -- Separated by ';'.
    postal_codes   TEXT NOT NULL,
    -- Municipal population; NULL for uninhabited territories.
    population     INTEGER
);
CREATE INDEX communes_departement_idx ON communes (departement);

-- Which version of each embedded reference data set is loaded.
CREATE TABLE reference_data (
    name      TEXT PRIMARY KEY NOT NULL,
    version   TEXT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

-- Minutes between two start times of a plage; NULL: the motif's duration.
ALTER TABLE motifs ADD COLUMN step_minutes INTEGER
    CHECK (step_minutes IS NULL OR (step_minutes BETWEEN 5 AND 240 AND step_minutes % 5 = 0));
