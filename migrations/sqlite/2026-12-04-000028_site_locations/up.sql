-- SQLite dialect of the PostgreSQL migration of the same name (DOUBLE
-- PRECISION has the REAL affinity, and names the same type as PostgreSQL's).
-- Where a site receives the public, for national hubs' maps (the ANTS
-- model's meeting points): WGS 84 degrees and the site's page. A site
-- without a location is not offered to hubs.
CREATE TABLE site_locations (
    site_id TEXT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    latitude DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    website TEXT
);
