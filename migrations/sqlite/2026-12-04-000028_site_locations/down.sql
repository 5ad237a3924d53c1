DROP TABLE site_locations;
