#!/usr/bin/env bash
# Test helpers stay out of the production crates: planipref-test-support
# (temporary databases, préfecture rules written without an audit entry)
# and tempfile are dev-dependencies, never normal ones, even indirectly.
# The seeds (planipref-seed: demo data, the national load-test data) ship
# only in the binary, which runs them: the libraries never depend on them.
# The Prometheus exporter too: the libraries record through the `metrics`
# facade; only the binary chooses and serves the exporter.
set -euo pipefail
cd "$(dirname "$0")/.."
helpers='^(planipref-test-support|tempfile) '
seeds='^planipref-seed '
exporter='^metrics-exporter-prometheus '
for crate in planipref-domain planipref-store planipref-api planipref-delivery planipref-seed planipref-server; do
    deps=$(cargo tree -p "$crate" -e normal --prefix none --quiet)
    if bad=$(grep -E "$helpers" <<<"$deps"); then
        echo "$crate must not depend on test helpers, but depends on:" >&2
        echo "$bad" | sort -u >&2
        exit 1
    fi
    if [ "$crate" != planipref-server ] && grep -qE "$exporter" <<<"$deps"; then
        echo "$crate must not depend on metrics-exporter-prometheus: only the binary exports metrics" >&2
        exit 1
    fi
    case "$crate" in
        planipref-seed | planipref-server) ;;
        *)
            if grep -qE "$seeds" <<<"$deps"; then
                echo "$crate must not depend on planipref-seed: seeds ship only in the binary" >&2
                exit 1
            fi
            ;;
    esac
done
echo "no production crate depends on planipref-test-support or tempfile; only the binary depends on planipref-seed and metrics-exporter-prometheus"
