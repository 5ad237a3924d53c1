DROP TABLE motif_translations;
