#!/usr/bin/env bash
# `make import-bench`: how long `planipref import reservations` takes, and
# how much memory, for a préfecture's coming appointments (issue 21:
# 50,000 by default), on SQLite and, when asked, on PostgreSQL.
#
# On a fresh database of each backend (the release binary, `migrate`,
# `seed --demo`), it imports plannings giving IMPORT_BENCH_GUICHETS
# (default 40) new guichets at the demo's Seine-Saint-Denis sites, open
# Monday to Friday from next week on, then a file of IMPORT_BENCH_LINES
# (default 50000) appointments on their slots (scripts/import-bench-gen.py,
# deterministic: IMPORT_BENCH_SEED, default 21), and measures with
# /usr/bin/time -v, wall time and maximum resident set size:
#   dry run   `import reservations FILE --dry-run`: every line checked;
#   write     the same without --dry-run: every appointment booked;
#   re-run    the same file again: everything recognised, nothing created.
# It prints a table and fails (exit 1) unless the dry run and the write
# each count IMPORT_BENCH_LINES appointments, no line is refused, and the
# re-run creates nothing and finds every line unchanged.
#
# PostgreSQL: with --postgres, or when PLANIPREF_TEST_POSTGRES_URL is set,
# a dedicated database (IMPORT_BENCH_POSTGRES, default
# postgres://postgres@127.0.0.1:5432/import_bench) is dropped and created
# on that server, and dropped again at the end. No other database is
# touched. --sqlite-only skips PostgreSQL even when the variable is set.
#
# Each run is bounded by IMPORT_BENCH_TIMEOUT seconds (default 1800): a
# run that takes longer is killed and the bench fails. Temporary files
# (the SQLite database, the CSV files, the tokens file) live in a
# temporary directory removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

lines="${IMPORT_BENCH_LINES:-50000}"
guichets="${IMPORT_BENCH_GUICHETS:-40}"
seed="${IMPORT_BENCH_SEED:-21}"
limit="${IMPORT_BENCH_TIMEOUT:-1800}"
pg_url="${IMPORT_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/import_bench}"
postgres=no
[[ -n "${PLANIPREF_TEST_POSTGRES_URL:-}" ]] && postgres=yes
for arg in "$@"; do
    case "$arg" in
        --postgres) postgres=yes ;;
        --sqlite-only) postgres=no ;;
        *) echo "usage: $0 [--postgres|--sqlite-only]" >&2; exit 2 ;;
    esac
done

bin="${CARGO_TARGET_DIR:-$PWD/target}/release/planipref"
cargo build --release --quiet -p planipref-server

work="$(mktemp -d "${TMPDIR:-/tmp}/import-bench.XXXXXX")"
pg_created=no
pg_admin=""
pg_name=""
cleanup() {
    if [[ "$pg_created" == yes ]]; then
        PGOPTIONS='-c client_min_messages=warning' \
            psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

planipref() {
    PLANIPREF_DATABASE_URL="$url" RUST_LOG=warn "$bin" "$@"
}

# The demo's Seine-Saint-Denis motifs: site_id,time_zone,motif_id,duration.
motifs_query="SELECT s.id, s.time_zone, m.id, m.duration_minutes
  FROM sites s JOIN services v ON v.site_id = s.id JOIN motifs m ON m.service_id = v.id
  WHERE s.prefecture_code = '93' ORDER BY s.name, m.demarche_code"

# Monday of next week: every imported day is a coming one.
first_monday="$(python3 -c 'import datetime as d; t = d.date.today(); print(t + d.timedelta(days=7 - t.weekday()))')"

results="$work/results.txt"
: > "$results"
failures=0

# Runs `planipref import reservations FILE ARGS…` under /usr/bin/time -v
# (bounded); records "backend phase wall_s rss_mib" and keeps the report.
measure() {
    local backend="$1" phase="$2"
    shift 2
    local out="$work/$backend-$phase"
    if ! PLANIPREF_DATABASE_URL="$url" RUST_LOG=warn /usr/bin/time -v -o "$out.time" \
        timeout "$limit" "$bin" import reservations "$work/reservations.csv" "$@" \
        > "$out.report" 2> "$out.err"; then
        echo "$backend $phase: failed (or exceeded ${limit}s):" >&2
        head -20 "$out.report" "$out.err" >&2
        failures=$((failures + 1))
    fi
    local wall rss
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s }' "$out.time")"
    rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$out.time")"
    echo "$backend $phase $wall $rss" >> "$results"
}

# A number from a report line `PREFIX N …`, 0 when absent.
count() {
    local n
    n="$(grep -oE "^$1 [0-9]+" "$2" | grep -oE '[0-9]+$' || true)"
    echo "${n:-0}"
}

# Fails the bench unless `report` says `expected`.
expect() {
    local what="$1" got="$2" want="$3"
    if [[ "$got" != "$want" ]]; then
        echo "FAIL $what: $got, expected $want" >&2
        failures=$((failures + 1))
    fi
}

bench() {
    local backend="$1"
    url="$2"
    echo "== $backend: migrate, seed the demo, import the plannings" >&2
    planipref migrate > /dev/null
    planipref seed --demo > /dev/null
    case "$backend" in
        sqlite) sqlite3 -csv "${url#sqlite://}" "$motifs_query" ;;
        postgres) psql "$url" -qtA -F, -c "$motifs_query" ;;
    esac > "$work/motifs.csv"
    python3 scripts/import-bench-gen.py plannings "$work/motifs.csv" "$first_monday" "$guichets" \
        > "$work/plannings.csv"
    planipref import plannings "$work/plannings.csv" > "$work/$backend-plannings.report"
    python3 scripts/import-bench-gen.py reservations "$work/motifs.csv" "$first_monday" \
        "$guichets" "$lines" "$seed" > "$work/reservations.csv"
    local last
    last="$(tail -1 "$work/reservations.csv" | cut -d, -f4)"
    echo "== $backend: $lines appointments from $first_monday to ${last:0:10}" >&2

    echo "== $backend: dry run" >&2
    measure "$backend" dry-run --dry-run
    expect "$backend dry run: would create" \
        "$(count 'would create' "$work/$backend-dry-run.report")" "$lines"
    echo "== $backend: write" >&2
    rm -f "$work/tokens.csv"
    measure "$backend" write --tokens-out "$work/tokens.csv"
    expect "$backend write: created" "$(count created "$work/$backend-write.report")" "$lines"
    local tokens=none
    [[ -f "$work/tokens.csv" ]] && tokens="$(($(wc -l < "$work/tokens.csv") - 1))"
    expect "$backend write: tokens written" "$tokens" "$lines"
    echo "== $backend: re-run" >&2
    rm -f "$work/tokens.csv"
    measure "$backend" re-run --tokens-out "$work/tokens.csv"
    expect "$backend re-run: created" "$(count created "$work/$backend-re-run.report")" 0
    expect "$backend re-run: unchanged" "$(count unchanged: "$work/$backend-re-run.report")" "$lines"
    for phase in dry-run write re-run; do
        expect "$backend $phase: refused lines" \
            "$(grep -c '^line ' "$work/$backend-$phase.report" || true)" 0
    done
}

bench sqlite "sqlite://$work/bench.db"

if [[ "$postgres" == yes ]]; then
    if [[ ! "$pg_url" =~ ^(postgres(ql)?://[^/]+)/([A-Za-z0-9_]+)$ ]]; then
        echo "IMPORT_BENCH_POSTGRES must name a database: $pg_url" >&2
        exit 2
    fi
    pg_admin="${BASH_REMATCH[1]}/postgres"
    pg_name="${BASH_REMATCH[3]}"
    PGOPTIONS='-c client_min_messages=warning' \
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" -qc "CREATE DATABASE $pg_name"
    pg_created=yes
    bench postgres "$pg_url"
fi

echo
printf '%-9s %-8s %7s %10s %12s\n' backend phase lines "wall (s)" "max RSS MiB"
while read -r backend phase wall rss; do
    printf '%-9s %-8s %7s %10s %12s\n' "$backend" "$phase" "$lines" "$wall" "$rss"
done < "$results"
if ((failures > 0)); then
    echo "import-bench: $failures check(s) failed" >&2
    exit 1
fi
echo "import-bench: every line imported once, none refused, the re-run created nothing"
