#!/usr/bin/env bash
# `make load`: the router's questions under load, on national data, on SQLite
# and on PostgreSQL. Traffic goes to 127.0.0.1 only; each scenario is bounded
# in time (LOAD_SECONDS, default 10) and the whole run stops by itself.
#
# The national data (`planipref seed --national`: every préfecture and
# sous-préfecture, ~5,000 guichets, ~1M reservations) is created on the first
# run and kept: LOAD_SQLITE (a file) and LOAD_POSTGRES (a database, created if
# missing). Delete them to start over. Then the rush of the booking journey
# (`planipref-rush`, on a fresh demo database each time): RUSH_APPLICANTS
# (default 5000) applicants, RUSH_CLIENTS (default 64) connections, for the
# places of RUSH_DAYS days (default 14: 300 places), 60 s at most, with
# pgbench's raw insert rate on PostgreSQL for comparison.
#
# LOAD_SCENARIOS (comma-separated: health, orientation, first-slot, slots,
# stats, hub, hub-cold) makes planipref-load run only those scenarios, e.g.
# `LOAD_SCENARIOS=stats`; unset, it runs them all. It does not skip the rush:
# to measure one scenario alone, run `planipref-load` by hand (see its header).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-$PWD/target}/release"
seconds="${LOAD_SECONDS:-10}"
connections="${LOAD_CONNECTIONS:-32}"
sqlite="${LOAD_SQLITE:-/var/tmp/planipref-load/national.db}"
postgres="${LOAD_POSTGRES:-postgres://postgres@127.0.0.1:5432/planipref_load}"

cargo build --release --quiet -p planipref-server -p planipref-tests --bins

# Seeds a database unless it already holds the national data (the seed
# skips préfectures already present, so a second run only checks).
prepare() {
    PLANIPREF_DATABASE_URL="$1" RUST_LOG=warn "$target/planipref" migrate
    PLANIPREF_DATABASE_URL="$1" RUST_LOG=info "$target/planipref" seed --national
}

mkdir -p "$(dirname "$sqlite")"
prepare "sqlite://$sqlite"
"$target/planipref-load" "sqlite://$sqlite" "$seconds" "$connections"

if [[ "$postgres" =~ ^postgres(ql)?://[^/]+/([A-Za-z0-9_]+)$ ]]; then
    name="${BASH_REMATCH[2]}"
    admin="${postgres%/*}/postgres"
    if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        psql "$admin" -qc "CREATE DATABASE $name"
    fi
fi
prepare "$postgres"
"$target/planipref-load" "$postgres" "$seconds" "$connections"

# The rush (issue 5): applicants racing for new slots through hold then
# reserve, on a fresh database each time (the demo's), then PostgreSQL's raw
# insert rate with as many clients (pgbench).
# glibc's malloc keeps one arena per busy thread; two bound the server's
# memory (see README, Configuration).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
applicants="${RUSH_APPLICANTS:-5000}"
clients="${RUSH_CLIENTS:-64}"
days="${RUSH_DAYS:-14}"
rush_sqlite="$(mktemp -d)/rush.db"
"$target/planipref-rush" "sqlite://$rush_sqlite" "$applicants" "$clients" 60 "$days"
rm -rf "$(dirname "$rush_sqlite")"
rush_pg="${RUSH_POSTGRES:-postgres://postgres@127.0.0.1:5432/planipref_rush}"
if [[ "$rush_pg" =~ ^postgres(ql)?://[^/]+/([A-Za-z0-9_]+)$ ]]; then
    name="${BASH_REMATCH[2]}"
    admin="${rush_pg%/*}/postgres"
    PGOPTIONS='-c client_min_messages=warning' psql "$admin" -qc "DROP DATABASE IF EXISTS $name" -qc "CREATE DATABASE $name"
    "$target/planipref-rush" "$rush_pg" "$applicants" "$clients" 60 "$days"
fi
