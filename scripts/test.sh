#!/usr/bin/env bash
# Set everything up (with test tools), then run every check: lint, format, types, the whole
# test suite (with a real PostgreSQL and Redis, started here), and the dependency audit.
# Extra arguments go to pytest.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
scripts/setup.sh --dev
export RASA_TELEMETRY_ENABLED=false

# PostgreSQL (the deflection store; Rasa's tracker store in the scale-out test) and Redis
# (Rasa's lock store): Debian's packages, installed and started by these scripts, stopped
# on exit. Given URLs are used as they are.
stop_services=()
if [[ -z "${HELPDESK_TEST_POSTGRES_URL:-}" ]]; then
  HELPDESK_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"; stop_services+=(postgres)
fi
if [[ -z "${HELPDESK_TEST_REDIS_URL:-}" ]]; then
  HELPDESK_TEST_REDIS_URL="$(scripts/redis.sh start)"; stop_services+=(redis)
fi
export HELPDESK_TEST_POSTGRES_URL HELPDESK_TEST_REDIS_URL
cleanup() { for s in "${stop_services[@]}"; do "scripts/$s.sh" stop >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

echo "==> ruff";  .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "==> mypy";  .venv/bin/mypy
# The Rasa side (actions/, bot/'s packages) in its own environment: Python 3.10, Rasa 3.6.
echo "==> mypy (Rasa side)"; .venv-rasa/bin/mypy --config-file mypy-rasa.ini
# The actions' unit tests run in the Rasa environment, without the suite's shared fixtures
# (which need the app's environment); everything else runs in the app's.
echo "==> pytest (actions, Rasa side)"; .venv-rasa/bin/python -m pytest --noconftest -p no:cacheprovider -q tests/actions
echo "==> pytest"; .venv/bin/python -m pytest "$@"
# Known-vulnerable dependencies of both environments: fails on any finding not explained
# in .pip-audit-ignore (docs/pip-audit.md).
echo "==> pip-audit"; .venv/bin/python scripts/audit_deps.py
