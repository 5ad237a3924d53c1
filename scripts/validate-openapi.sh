#!/usr/bin/env bash
# Validates the committed OpenAPI document against the OpenAPI 3.1
# specification with an independent validator (Python's
# openapi-spec-validator, pinned in scripts/requirements-tools.txt). The
# api test `openapi` already fails when the committed file differs from
# the code, so this validates what the code generates.
#
# The validator lives in the tools' virtual environment
# (scripts/tools-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$(scripts/tools-venv.sh)
"$venv/bin/openapi-spec-validator" openapi/planipref.json
