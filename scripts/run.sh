#!/usr/bin/env bash
# Set up (if needed) and run cvm-helpdesk with its defaults on this machine:
#   the app (API + widget)  http://127.0.0.1:8000   (HELPDESK_HOST / HELPDESK_PORT)
#   the action server        http://127.0.0.1:5055
#   Rasa (REST + socket.io)  http://127.0.0.1:5005
# Ctrl-C stops all three.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
scripts/setup.sh
export RASA_TELEMETRY_ENABLED=false
# The tokens the app, Rasa and the action server share (var/secrets/, made once, mode 0600):
# made before any of the three starts, so that each reads the same files.
.venv/bin/helpdesk secrets ensure >/dev/null
export HELPDESK_API_URL="${HELPDESK_API_URL:-http://${HELPDESK_HOST:-127.0.0.1}:${HELPDESK_PORT:-8000}}"

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped"
}
trap stop INT TERM EXIT

start() {  # start NAME CMD... : each in its own process group, so stopping takes its children too
  local name="$1"; shift
  setsid "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=("$!")
}

start app .venv/bin/helpdesk serve
start actions scripts/bot.sh actions
start rasa scripts/bot.sh server
echo "cvm-helpdesk: app on $HELPDESK_API_URL, Rasa on http://127.0.0.1:5005 (Ctrl-C to stop)"
wait -n || true
