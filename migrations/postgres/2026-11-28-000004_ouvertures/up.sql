-- A public holiday on which a site opens all the same (e.g. Whit Monday as
-- the "journée de solidarité"): its plages apply that day as on any other.
CREATE TABLE ouvertures (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    day        DATE NOT NULL,
    reason     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT ouvertures_site_day_key UNIQUE (site_id, day)
);
