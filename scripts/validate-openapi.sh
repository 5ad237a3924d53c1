#!/usr/bin/env bash
# Validates the committed OpenAPI document against the OpenAPI 3.1
# specification with an independent validator (Python's
# openapi-spec-validator, pinned in scripts/requirements-tools.txt). The
# api test `openapi` already fails when the committed file differs from
# the code, so this validates what the code generates.
#
# The validator lives in a virtual environment outside the checkout,
# created on first use (PyPI must be reachable then) and recreated when
# the pinned versions change.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PLANIPREF_TOOLS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/planipref/tools-venv}"
requirements=scripts/requirements-tools.txt
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
    echo "installing the pinned OpenAPI validator in $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi
"$venv/bin/openapi-spec-validator" openapi/planipref.json
