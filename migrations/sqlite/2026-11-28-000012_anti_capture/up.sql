-- Ending slot capture: convocations, unpredictable release, quotas.

-- An agent's nominative, single-use invitation to book a motif. The token
-- of the link sent to the person is stored hashed. Its state is derived:
-- revoked (revoked_at), booked (a booked reservation carries its id: a
-- cancellation gives it back), expired (valid_until passed), else issued.
CREATE TABLE convocations (
    id            TEXT PRIMARY KEY NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    site_id       TEXT NOT NULL REFERENCES sites (id),
    motif_id      TEXT NOT NULL REFERENCES motifs (id),
    last_name     TEXT NOT NULL,
    first_names   TEXT NOT NULL,
    birth_date    DATE NOT NULL,
    file_number   TEXT,
    email         TEXT,
    phone         TEXT,
    valid_until   TIMESTAMP NOT NULL,
    earliest_day  DATE,
    latest_day    DATE,
    issued_by     TEXT NOT NULL,
    issued_at     TIMESTAMP NOT NULL,
    used_at       TIMESTAMP,
    revoked_at    TIMESTAMP,
    revoked_by    TEXT,
    revoke_reason TEXT,
    CHECK (valid_until > issued_at),
    CHECK (earliest_day IS NULL OR latest_day IS NULL OR earliest_day <= latest_day),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX convocations_site_idx ON convocations (site_id, issued_at);

-- The convocation a reservation was booked with.
ALTER TABLE reservations ADD COLUMN convocation_id TEXT REFERENCES convocations (id);
CREATE INDEX reservations_convocation_idx ON reservations (convocation_id);

-- Holds: the convocation they were taken with, the client that took them
-- (a hash of its address, for the per-client limit), and why they exist:
-- an applicant's choice, or a cancelled slot waiting for its random
-- release (nobody can confirm those: their id is never given out).
ALTER TABLE holds ADD COLUMN convocation_id TEXT REFERENCES convocations (id);
ALTER TABLE holds ADD COLUMN client_key TEXT;
ALTER TABLE holds ADD COLUMN purpose TEXT NOT NULL DEFAULT 'applicant'
    CHECK (purpose IN ('applicant', 'release'));
CREATE INDEX holds_client_idx ON holds (client_key, expires_at);

-- One row per client that ever held a slot: locked by each new hold, so
-- that a client's simultaneous holds on several servers are counted one
-- after the other.
CREATE TABLE client_guards (
    client_key TEXT PRIMARY KEY NOT NULL,
    touched_at TIMESTAMP NOT NULL
);

-- Per préfecture: a cancelled slot returns to the public after a random
-- delay between these bounds (minutes); the newest day of a booking window
-- opens at a random moment of a window starting at a local time (minutes
-- after midnight) and lasting this long; a person holds at most this many
-- coming appointments across all démarches.
ALTER TABLE prefectures ADD COLUMN release_delay_min_minutes INTEGER NOT NULL DEFAULT 5
    CHECK (release_delay_min_minutes BETWEEN 0 AND 1440);
ALTER TABLE prefectures ADD COLUMN release_delay_max_minutes INTEGER NOT NULL DEFAULT 60
    CHECK (release_delay_max_minutes BETWEEN 0 AND 1440);
ALTER TABLE prefectures ADD COLUMN opening_start_minute INTEGER NOT NULL DEFAULT 420
    CHECK (opening_start_minute BETWEEN 0 AND 1439);
ALTER TABLE prefectures ADD COLUMN opening_window_minutes INTEGER NOT NULL DEFAULT 180
    CHECK (opening_window_minutes BETWEEN 0 AND 1440);
ALTER TABLE prefectures ADD COLUMN max_active_per_person INTEGER NOT NULL DEFAULT 3
    CHECK (max_active_per_person BETWEEN 1 AND 20);
-- The time of convocation counters a convocation did not take is offered
-- to the public this many hours before its day (0: never).
ALTER TABLE prefectures ADD COLUMN convocation_release_hours INTEGER NOT NULL DEFAULT 48
    CHECK (convocation_release_hours BETWEEN 0 AND 720);

-- Which channel a guichet's time is for: the public online, holders of a
-- convocation, or people who come without an appointment (never online).
ALTER TABLE guichets ADD COLUMN channel TEXT NOT NULL DEFAULT 'public'
    CHECK (channel IN ('public', 'convocation', 'walk_in'));

-- Secrets every server shares and nobody outside knows: `opening` draws
-- the moment each motif's newest day opens. Drawn here, once per
-- database.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO secrets (name, value) VALUES ('opening', lower(hex(randomblob(32))));

-- Per motif: whether it is searched, held and booked only with the
-- router's signed context (the applicant came through service-public.fr).
ALTER TABLE motifs ADD COLUMN requires_context BOOLEAN NOT NULL DEFAULT FALSE;
