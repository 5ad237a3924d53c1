#!/usr/bin/env bash
# Runs the whole test suite. SQLite tests always run. PostgreSQL tests run
# when PLANIPREF_TEST_POSTGRES_URL names a server, or when one answers on
# 127.0.0.1:5432; when the variable is set and the server is unreachable,
# the PostgreSQL tests fail instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

default_url="postgres://postgres@127.0.0.1:5432/test"
if [[ -z "${PLANIPREF_TEST_POSTGRES_URL:-}" ]]; then
    if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
        export PLANIPREF_TEST_POSTGRES_URL="$default_url"
    fi
fi

# The delivery tests start a real SMTP sink (aiosmtpd, pinned with the
# other Python tools).
PLANIPREF_TEST_PYTHON="$(scripts/tools-venv.sh)/bin/python"
export PLANIPREF_TEST_PYTHON

# The black-box tests start the real binary: build it first.
cargo build --workspace --bins --quiet
cargo test --workspace

if [[ -n "${PLANIPREF_TEST_POSTGRES_URL:-}" ]]; then
    echo "== tests ran on SQLite and on PostgreSQL (${PLANIPREF_TEST_POSTGRES_URL%%@*}@…)"
else
    echo "== tests ran on SQLite only: PostgreSQL SKIPPED (nothing on 127.0.0.1:5432 and PLANIPREF_TEST_POSTGRES_URL unset)"
fi
