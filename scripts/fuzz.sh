#!/usr/bin/env bash
# Schema-driven fuzzing: starts the server on a fresh SQLite database with
# the demo, and lets schemathesis (pinned in scripts/fuzz/requirements.txt)
# send what the committed document allows and forbids, checking that the
# server takes the first, refuses the second, never answers 5xx and
# answers as documented. Bounded (FUZZ_EXAMPLES per operation, seeded:
# the same run each time), 127.0.0.1 only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PLANIPREF_FUZZ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/planipref/fuzz-venv}"
requirements=scripts/fuzz/requirements.txt
if ! cmp -s "$requirements" "$venv/.requirements" 2>/dev/null; then
    echo "installing the pinned fuzzer in $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.requirements"
fi

cargo build --workspace --bins --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/planipref"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() {
    [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

export PLANIPREF_DATABASE_URL="$work/fuzz.db" PLANIPREF_BIND="127.0.0.1:$port" PLANIPREF_OUTBOX_DIR="$work/outbox"
# One address sends everything: per-client limits off, as for a load test.
export PLANIPREF_CLIENT_LIMITS=off PLANIPREF_ENV=development RUST_LOG=warn
# CORS on, as a préfecture deploys it: every answer crosses its middleware.
export PLANIPREF_CORS_ORIGINS=https://rdv.example.gouv.fr PLANIPREF_CORS_ADMIN_ORIGINS=https://agents.example.gouv.fr
"$bin" migrate >/dev/null
"$bin" seed --demo >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
    sleep 0.2
done

PLANIPREF_FUZZ_TOKEN=$("$bin" token --role admin_national --ttl 1h)
export PLANIPREF_FUZZ_TOKEN
status=0
PYTHONPATH=scripts/fuzz SCHEMATHESIS_HOOKS=hooks "$venv/bin/schemathesis" \
    --config-file scripts/fuzz/schemathesis.toml --no-color \
    run "http://127.0.0.1:$port/api-docs/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --checks all --phases examples,coverage,fuzzing \
    --max-examples "${FUZZ_EXAMPLES:-40}" --seed "${FUZZ_SEED:-20261204}" \
    --workers 1 || status=$?
if grep -q "panicked" "$work/server.log"; then
    echo "the server panicked:"; grep -A5 "panicked" "$work/server.log"; status=1
fi
exit "$status"
