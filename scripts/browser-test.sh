#!/usr/bin/env bash
# The example booking page (examples/booking-page) end to end in headless
# Chromium: its client generated from openapi/planipref.json and
# type-checked (tsc --strict), bundled, served by a static server on one
# port of 127.0.0.1, calling the real `planipref` binary (SQLite, demo
# data) on another port with PLANIPREF_CORS_ORIGINS naming the page's
# origin. Books a slot, reads it back, cancels it; the screenshot goes to
# target/booking-page.png. Both servers are stopped on exit, failure
# included. Fails when Chromium is missing or cannot start: never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
page=examples/booking-page
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
bin="$CARGO_TARGET_DIR/debug/planipref"
chromium="${CHROMIUM:-/usr/bin/chromium}"
started=$SECONDS

if [[ ! -x "$chromium" ]]; then
    echo "browser test: no Chromium at $chromium (apt-get install chromium, or set CHROMIUM)" >&2
    exit 1
fi

# The page's tools, exactly as locked (npm ci), unless already installed
# from this lock file.
if ! cmp -s "$page/package-lock.json" "$page/node_modules/.package-lock.json.ci" 2>/dev/null; then
    (cd "$page" && npm ci --no-audit --no-fund)
    cp "$page/package-lock.json" "$page/node_modules/.package-lock.json.ci"
fi
# Types generated from the contract, tsc --strict, then the bundle.
(cd "$page" && npm run --silent build)

cargo build --quiet --workspace --bins

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
api_port=$(free_port)
page_port=$(free_port)
while [[ "$page_port" == "$api_port" ]]; do page_port=$(free_port); done
api="http://127.0.0.1:$api_port"
origin="http://127.0.0.1:$page_port"

work=$(mktemp -d)
pids=()
stop() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if (( status != 0 )) && [[ -f "$work/server.log" ]]; then
        echo "--- server log (last lines)" >&2
        tail -n 30 "$work/server.log" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap stop EXIT INT TERM

export PLANIPREF_DATABASE_URL="$work/planipref.db"
export PLANIPREF_BIND="127.0.0.1:$api_port"
export PLANIPREF_OUTBOX_DIR="$work/outbox"
export PLANIPREF_CORS_ORIGINS="$origin"
export RUST_LOG=warn
"$bin" migrate > "$work/migrate.log"
"$bin" seed --demo > "$work/seed.log"
"$bin" serve > "$work/server.log" 2>&1 &
pids+=($!)

# The page, on its own origin, told where the API is.
printf '{"api": "%s"}\n' "$api" > "$page/dist/config.json"
python3 -m http.server --bind 127.0.0.1 --directory "$page/dist" "$page_port" > "$work/static.log" 2>&1 &
pids+=($!)

for url in "$api/api/v1/health" "$origin/index.html"; do
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && break
        sleep 0.1
    done
    curl -fsS -o /dev/null "$url" || { echo "browser test: $url does not answer" >&2; exit 1; }
done

mkdir -p "$root/target"
PAGE_URL="$origin/index.html" API_URL="$api" CHROMIUM="$chromium" \
    SCREENSHOT="$root/target/booking-page.png" \
    timeout 300 node "$page/test/booking.test.mjs"
echo "browser test: $((SECONDS - started)) s in all (install, build, servers, browser)"
