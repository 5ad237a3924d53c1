#!/usr/bin/env bash
# The shape check must fail on what it forbids: on a copy of the sources,
# one handler importing another, a use case importing actix, and a handler
# grown past 40 lines are each refused, and the copy as it is passes.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/crates"
cp -r crates/. "$work/crates/"
# Targets and the like are not sources.
find "$work/crates" -name target -prune -exec rm -rf {} +
check() { PLANIPREF_SHAPE_ROOT="$work" python3 scripts/check-api-shape.py 2>&1 >/dev/null; }

expect_refusal() { # $1: what is tried, $2: a message the check must print
    local out
    if out=$(check); then
        echo "check-api-shape passed although $1" >&2
        exit 1
    fi
    if ! grep -qF "$2" <<<"$out"; then
        echo "check-api-shape refused $1 without saying \"$2\":" >&2
        echo "$out" >&2
        exit 1
    fi
}

api="$work/crates/planipref-api/src"
# 1. A handler importing another handler's file.
cp "$api/admin/motifs.rs" "$work/motifs.rs"
sed -i '0,/^use /s//use crate::admin::services::configure as _;\nuse /' "$api/admin/motifs.rs"
expect_refusal "admin/motifs.rs imports admin/services" "admin/motifs.rs imports admin/services"
cp "$work/motifs.rs" "$api/admin/motifs.rs"
# 2. A use case reaching for actix.
cp "$api/app/holds.rs" "$work/holds.rs"
echo 'pub fn answer() -> actix_web::HttpResponse { actix_web::HttpResponse::Ok().finish() }' >>"$api/app/holds.rs"
expect_refusal "app/holds.rs uses actix_web" "app/holds.rs uses actix_web"
cp "$work/holds.rs" "$api/app/holds.rs"
# 3. A handler of 41 lines.
cp "$api/public/demarches.rs" "$work/demarches.rs"
python3 - "$api/public/demarches.rs" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
m = re.search(r'pub async fn [a-z_]+\([^{]*\{\n', text)
text = text[:m.end()] + '    let _ = 0;\n' * 41 + text[m.end():]
open(path, 'w').write(text)
PY
expect_refusal "a handler has 41 more lines" "lines (at most 40)"
cp "$work/demarches.rs" "$api/public/demarches.rs"
# The copy as it is.
if ! out=$(check); then
    echo "check-api-shape refuses the unchanged copy:" >&2
    echo "$out" >&2
    exit 1
fi
echo "check-api-shape refuses a handler importing another, actix in a use case and a long handler"
