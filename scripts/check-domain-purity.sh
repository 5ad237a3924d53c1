#!/usr/bin/env bash
# The domain crate holds pure rules: it must never depend, even indirectly,
# on the web framework, the ORM, the OpenAPI generator, JSON, or the
# operators' metrics (recorded by the crates that do I/O, not by rules).
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(actix-web|actix-http|diesel|utoipa|serde_json|r2d2|libsqlite3-sys|pq-sys|metrics|metrics-exporter-prometheus) '
deps=$(cargo tree -p planipref-domain -e normal --prefix none --quiet)
if bad=$(grep -E "$forbidden" <<<"$deps"); then
    echo "planipref-domain must stay pure, but depends on:" >&2
    echo "$bad" | sort -u >&2
    exit 1
fi
echo "planipref-domain is pure ($(sort -u <<<"$deps" | wc -l) crates, none of them I/O frameworks)"
