#!/usr/bin/env bash
# Makes sure the pinned Python tools (scripts/requirements-tools.txt) are
# installed in their virtual environment outside the checkout, created on
# first use (PyPI must be reachable then) and recreated when the pins
# change; prints the environment's path.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PLANIPREF_TOOLS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/planipref/tools-venv}"
requirements=scripts/requirements-tools.txt
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp" 2>/dev/null; then
    echo "installing the pinned Python tools in $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$stamp"
fi
echo "$venv"
