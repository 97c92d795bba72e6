#!/usr/bin/env bash
# Set everything up (with test tools), then run every check: lint, format, types, tests.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
scripts/setup.sh --dev
export RASA_TELEMETRY_ENABLED=false
echo "==> ruff";  .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "==> mypy";  .venv/bin/mypy
echo "==> pytest"; .venv/bin/python -m pytest "$@"
