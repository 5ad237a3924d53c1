-- SQLite dialect of the PostgreSQL migration of the same name.
-- Where a site receives the public, for national hubs' maps (the ANTS
-- model's meeting points): WGS 84 degrees and the site's page. A site
-- without a location is not offered to hubs.
CREATE TABLE site_locations (
    site_id TEXT PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    latitude REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    website TEXT
);
