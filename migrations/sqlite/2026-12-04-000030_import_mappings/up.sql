-- SQLite dialect of the PostgreSQL migration of the same name.
-- What `planipref import` brought from the module Planipref replaces:
-- each external identifier of that module once per kind (guichet, plage,
-- reservation), with the Planipref object it became and a digest of the
-- line it came from, so that a second run creates nothing again and tells
-- a changed line from an unchanged one.
CREATE TABLE import_mappings (
    kind TEXT NOT NULL CHECK (kind IN ('guichet', 'plage', 'reservation')),
    external_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, external_id)
);
