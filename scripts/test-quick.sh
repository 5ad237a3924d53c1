#!/usr/bin/env bash
# The edit loop's tests: the domain's and the API's (in-process), on SQLite
# only. Not what CI runs: `make test` (scripts/test.sh) runs everything, on
# both databases, the black-box storms and the store's tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PLANIPREF_TEST_POSTGRES_URL CI
cargo test --quiet -p planipref-domain -p planipref-api
echo "== quick tests: domain and API, SQLite only (make test runs everything, on PostgreSQL too)"
