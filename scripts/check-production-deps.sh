#!/usr/bin/env bash
# Test helpers stay out of the production crates: planipref-test-support
# (temporary databases, préfecture rules written without an audit entry)
# and tempfile are dev-dependencies, never normal ones, even indirectly.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(planipref-test-support|tempfile) '
for crate in planipref-domain planipref-store planipref-api planipref-server; do
    deps=$(cargo tree -p "$crate" -e normal --prefix none --quiet)
    if bad=$(grep -E "$forbidden" <<<"$deps"); then
        echo "$crate must not depend on test helpers, but depends on:" >&2
        echo "$bad" | sort -u >&2
        exit 1
    fi
done
echo "no production crate depends on planipref-test-support or tempfile"
