DROP TABLE ouvertures;
