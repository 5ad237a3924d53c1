-- SQLite dialect of the PostgreSQL migration of the same name (identical here).
-- The délai of each motif, sampled once a day at a fixed local hour: how
-- many days from that day to its first free slot (NULL: none within its
-- booking window). Kept so that statistics and the public figures have a
-- history; written by any server, once per motif and day (the key).
CREATE TABLE delay_samples (
    motif_id       TEXT NOT NULL REFERENCES motifs (id) ON DELETE CASCADE,
    day            DATE NOT NULL,
    site_id        TEXT NOT NULL,
    demarche_code  TEXT,
    sampled_at     TIMESTAMP NOT NULL,
    days           INTEGER,
    PRIMARY KEY (motif_id, day)
);
CREATE INDEX delay_samples_site_day_idx ON delay_samples (site_id, day);
CREATE INDEX delay_samples_demarche_day_idx ON delay_samples (demarche_code, day);
