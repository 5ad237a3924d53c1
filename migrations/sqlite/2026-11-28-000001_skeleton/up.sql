-- Planipref, SQLite dialect. Kept in step with migrations/postgres: same
-- tables, same columns, same constraints (a test compares them).
-- Identifiers are UUIDs stored as TEXT; instants are TIMESTAMP holding UTC;
-- local times of plages are TIME in the site's time zone.

-- A préfecture, keyed by its département's INSEE code ("93", "2A", "974").
CREATE TABLE prefectures (
    code             TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    departement_name TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);

-- A place that receives the public. Its time zone reads every plage.
CREATE TABLE sites (
    id              TEXT PRIMARY KEY NOT NULL,
    prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    kind            TEXT NOT NULL CHECK (kind IN ('prefecture', 'sous_prefecture', 'antenne')),
    name            TEXT NOT NULL,
    address_line    TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    city            TEXT NOT NULL,
    commune_insee   TEXT NOT NULL,
    time_zone       TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    -- the demo seed and administrators find a site by its name
    CONSTRAINT sites_prefecture_name_key UNIQUE (prefecture_code, name)
);

-- An office at a site, grouping motifs.
CREATE TABLE services (
    id          TEXT PRIMARY KEY NOT NULL,
    site_id     TEXT NOT NULL REFERENCES sites (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    CONSTRAINT services_site_name_key UNIQUE (site_id, name)
);

-- What a site books. Durations are whole 5-minute units (see occupancy).
CREATE TABLE motifs (
    id               TEXT PRIMARY KEY NOT NULL,
    service_id       TEXT NOT NULL REFERENCES services (id),
    label            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER NOT NULL
        CHECK (duration_minutes BETWEEN 5 AND 240 AND duration_minutes % 5 = 0),
    created_at       TIMESTAMP NOT NULL,
    CONSTRAINT motifs_service_label_key UNIQUE (service_id, label)
);
CREATE INDEX motifs_service_idx ON motifs (service_id);

-- A counter.
CREATE TABLE guichets (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL REFERENCES sites (id),
    name       TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT guichets_site_name_key UNIQUE (site_id, name)
);

-- Which motifs a guichet serves (several, of different durations).
CREATE TABLE guichet_motifs (
    guichet_id TEXT NOT NULL REFERENCES guichets (id),
    motif_id   TEXT NOT NULL REFERENCES motifs (id),
    CONSTRAINT guichet_motifs_pkey PRIMARY KEY (guichet_id, motif_id)
);
CREATE INDEX guichet_motifs_motif_idx ON guichet_motifs (motif_id);

-- A recurring opening range of a guichet, in the site's local time.
-- weekdays is a bit mask: bit 0 = Monday … bit 6 = Sunday.
CREATE TABLE plages (
    id          TEXT PRIMARY KEY NOT NULL,
    guichet_id  TEXT NOT NULL REFERENCES guichets (id),
    weekdays    INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),
    start_time  TIME NOT NULL,
    end_time    TIME NOT NULL,
    valid_from  DATE NOT NULL,
    valid_until DATE,
    created_at  TIMESTAMP NOT NULL,
    CHECK (end_time > start_time),
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
CREATE INDEX plages_guichet_idx ON plages (guichet_id);

-- The motifs a plage is restricted to; none means all of its guichet's.
CREATE TABLE plage_motifs (
    plage_id TEXT NOT NULL REFERENCES plages (id) ON DELETE CASCADE,
    motif_id TEXT NOT NULL REFERENCES motifs (id),
    CONSTRAINT plage_motifs_pkey PRIMARY KEY (plage_id, motif_id)
);

-- A booked appointment. The management token is stored hashed (SHA-256).
-- Applicant data lives only here, to be erased with the reservation.
CREATE TABLE reservations (
    id           TEXT PRIMARY KEY NOT NULL,
    reference    TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    site_id      TEXT NOT NULL REFERENCES sites (id),
    motif_id     TEXT NOT NULL REFERENCES motifs (id),
    guichet_id   TEXT NOT NULL REFERENCES guichets (id),
    starts_at    TIMESTAMP NOT NULL,
    ends_at      TIMESTAMP NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),
    last_name    TEXT NOT NULL,
    first_names  TEXT NOT NULL,
    birth_date   DATE NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    CONSTRAINT reservations_reference_key UNIQUE (reference),
    CHECK (ends_at > starts_at)
);
CREATE INDEX reservations_guichet_time_idx ON reservations (guichet_id, starts_at);
CREATE INDEX reservations_motif_time_idx ON reservations (motif_id, starts_at);

-- The invariant "a guichet never holds two overlapping bookings", enforced
-- by the database: a booking writes one row per 5-minute unit it occupies,
-- and the primary key refuses a second booking of any unit, whichever
-- server process tries. Cancelling deletes the rows, freeing the units.
CREATE TABLE guichet_occupancy (
    guichet_id     TEXT NOT NULL REFERENCES guichets (id),
    unit_start     TIMESTAMP NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    CONSTRAINT guichet_occupancy_pkey PRIMARY KEY (guichet_id, unit_start)
);
CREATE INDEX guichet_occupancy_reservation_idx ON guichet_occupancy (reservation_id);

-- Every change to a reservation: who, what, when. Append-only.
CREATE TABLE reservation_events (
    id             TEXT PRIMARY KEY NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    occurred_at    TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('created', 'cancelled')),
    detail         TEXT
);
CREATE INDEX reservation_events_reservation_idx ON reservation_events (reservation_id, occurred_at);
