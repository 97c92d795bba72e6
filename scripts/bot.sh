#!/usr/bin/env bash
# The Rasa side of cvm-helpdesk: train, serve, run the action server, validate, test NLU.
#
#   scripts/bot.sh train        train bot/models/current.tar.gz unless it is up to date
#   scripts/bot.sh server       Rasa (REST, socket.io; Slack, WeCom if set) on $RASA_HOST:$RASA_PORT (127.0.0.1:5005)
#   scripts/bot.sh actions      rasa-sdk action server on $ACTIONS_HOST:$ACTIONS_PORT (127.0.0.1:5055)
#   scripts/bot.sh validate     rasa data validate (fails on any warning)
#   scripts/bot.sh test-nlu     rasa test nlu on bot/tests/nlu_heldout.yml, with thresholds
#   scripts/bot.sh test-core    rasa test core on bot/tests/test_stories.yml
#   scripts/bot.sh up           train if needed, then actions + server together (Ctrl-C stops both)
#
# Environment: RASA_VENV (default <repo>/.venv-rasa), HELPDESK_API_URL (the app, read by
# the actions), ACTION_ENDPOINT_URL, RASA_TRACKER_DB, RASA_MODEL_DIR, RASA_CONFIG,
# HELPDESK_EVENTS_URL, HELPDESK_EVENTS_TOKEN and HELPDESK_EVENTS_SPOOL (Rasa's event broker, see bot/endpoints.yml),
# HELPDESK_HANDOFF_TOKEN (sent by the actions), HELPDESK_MAX_MESSAGE_CHARS (longer messages are
# answered without NLU), RASA_API_TOKEN and RASA_CORS_ORIGINS (below),
# SLACK_* and WECOM_* (the Slack and WeCom channels, present only when set: bot/credentials.yml).
#
# Rasa runs through bot/run.py, which checks the Rasa version and installs the runtime guards
# (bot/rasa_compat.py) before Rasa's own command line. Rasa's HTTP API (which reads and writes
# every conversation) is off unless RASA_API_TOKEN is set: then it is on, and every call needs
# ?token=<RASA_API_TOKEN> (bot/run.py passes it to Rasa in-process, never on a command line).
# Browsers may call Rasa from RASA_CORS_ORIGINS only (space-separated origins; default: the
# app's origin, from HELPDESK_API_URL, which serves the widget); "*" is refused.
# HELPDESK_EVENTS_TOKEN and HELPDESK_HANDOFF_TOKEN, when unset, are read from the app's token
# files ($HELPDESK_DATA_DIR/secrets/{events,handoff}_token, made by `.venv/bin/helpdesk secrets
# ensure` or the app's first start), so the default run shares them; they are never printed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOT="$REPO/bot"
RASA_VENV="${RASA_VENV:-$REPO/.venv-rasa}"
RASA="$RASA_VENV/bin/rasa"
PY="$RASA_VENV/bin/python"
# Rasa's command line behind the start-up hook (bot/run.py); `rasa run actions` is rasa-sdk's.
RASA_RUN=("$PY" "$BOT/run.py")
MODEL_DIR="${RASA_MODEL_DIR:-$BOT/models}"
MODEL_NAME="current"
CONFIG="${RASA_CONFIG:-$BOT/config.yml}"
MIN_INTENT_ACCURACY="${MIN_INTENT_ACCURACY:-0.95}"
MIN_PORT_F1="${MIN_PORT_F1:-0.98}"

# The contract package (contract/: reply kinds, payloads, language) is shared with the app and
# imported by the actions and by bot/'s channels and guards: the repository root goes on the path.
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
# Without internet, telemetry stalls every command.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:5055/webhook}"
export RASA_TRACKER_DB="${RASA_TRACKER_DB:-$REPO/var/rasa-tracker.db}"
export HELPDESK_API_URL="${HELPDESK_API_URL:-http://127.0.0.1:8000}"
# Where Rasa's event broker records turns (bot/endpoints.yml); the token must match the app's.
export HELPDESK_EVENTS_URL="${HELPDESK_EVENTS_URL:-$HELPDESK_API_URL/v1/events}"
# Batches the app cannot take yet wait on disk here (bot/brokers/spool.py).
export HELPDESK_EVENTS_SPOOL="${HELPDESK_EVENTS_SPOOL:-$REPO/var/event-spool}"
# Sanic refuses larger request bodies (413) before anything parses them; a message this big is
# far over HELPDESK_MAX_MESSAGE_CHARS anyway (Sanic's own default is 100 MB).
export SANIC_REQUEST_MAX_SIZE="${SANIC_REQUEST_MAX_SIZE:-4194304}"

die() { echo "bot.sh: $*" >&2; exit 1; }

# load_token VAR FILE: VAR from the first line of FILE, when VAR is unset and FILE exists.
load_token() {
  local var="$1" file="$2"
  if [[ -z "${!var:-}" && -f "$file" ]]; then
    [[ -r "$file" ]] || die "cannot read $file: set $var, or make the file readable by $(id -un)"
    IFS= read -r "${var?}" < "$file" || true  # a file without a final newline still gives its line
  fi
  export "${var?}=${!var:-}"
}
SECRETS_DIR="${HELPDESK_DATA_DIR:-$REPO/var}/secrets"
load_token HELPDESK_EVENTS_TOKEN "$SECRETS_DIR/events_token"
load_token HELPDESK_HANDOFF_TOKEN "$SECRETS_DIR/handoff_token"

# The origins allowed to call Rasa from a browser, as --cors arguments (one per origin).
cors_origins() {
  local origins="${RASA_CORS_ORIGINS:-}" origin
  if [[ -z "$origins" ]]; then
    [[ "$HELPDESK_API_URL" =~ ^(https?://[^/]+) ]] || die "HELPDESK_API_URL=$HELPDESK_API_URL is not an http(s) URL"
    origins="${BASH_REMATCH[1]}"
  fi
  for origin in $origins; do
    # Literal origins only: Rasa's CORS takes "*" for any origin and reads regex characters as a pattern.
    [[ "$origin" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]] \
      || die "RASA_CORS_ORIGINS: '$origin' is not an origin (scheme://host[:port]; \"*\" is refused: name the sites)"
    printf '%s\n' "$origin"
  done
}

[[ -x "$RASA" ]] || die "no Rasa at $RASA: create it with the README's setup (or set RASA_VENV)"

# Everything the model is trained from; a change to any of it makes the model stale.
fingerprint() {
  (cd "$BOT" && find "$(realpath --relative-to="$BOT" "$CONFIG")" domain.yml data jieba components -type f -not -path "*/__pycache__/*" -print0 \
    | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

cmd_train() {
  local model="$MODEL_DIR/$MODEL_NAME.tar.gz" stamp="$MODEL_DIR/$MODEL_NAME.fingerprint" fp
  fp="$(fingerprint)"
  if [[ -f "$model" && -f "$stamp" && "$(cat "$stamp")" == "$fp" && "${FORCE:-0}" != 1 ]]; then
    echo "bot.sh: model up to date ($model)"
    return 0
  fi
  mkdir -p "$MODEL_DIR"
  (cd "$BOT" && "${RASA_RUN[@]}" train --config "$CONFIG" --domain domain.yml --data data \
     --out "$MODEL_DIR" --fixed-model-name "$MODEL_NAME" --force "$@")
  echo "$fp" > "$stamp"
}

cmd_server() {
  [[ -f "$MODEL_DIR/$MODEL_NAME.tar.gz" ]] || die "no model in $MODEL_DIR: run scripts/bot.sh train"
  mkdir -p "$(dirname "$RASA_TRACKER_DB")"
  local origins
  origins="$(cors_origins)" || exit 1
  mapfile -t origins <<< "$origins"
  cd "$BOT"
  # No --enable-api: bot/run.py turns the API on, with its token, only when RASA_API_TOKEN is set.
  exec "${RASA_RUN[@]}" run --model "$MODEL_DIR/$MODEL_NAME.tar.gz" --cors "${origins[@]}" \
    --interface "${RASA_HOST:-127.0.0.1}" --port "${RASA_PORT:-5005}" \
    --credentials credentials.yml --endpoints endpoints.yml "$@"
}

cmd_actions() {
  cd "$REPO"
  # rasa-sdk has no --interface flag; it listens on all interfaces unless
  # SANIC_HOST says otherwise (read by its Sanic app), so pin it here.
  export SANIC_HOST="${ACTIONS_HOST:-127.0.0.1}"
  exec "$RASA" run actions --actions actions --port "${ACTIONS_PORT:-5055}" "$@"
}

cmd_validate() {
  local out
  out="$(cd "$BOT" && "${RASA_RUN[@]}" data validate --config "$CONFIG" --domain domain.yml --data data --fail-on-warnings 2>&1)" \
    || { echo "$out"; die "rasa data validate failed"; }
  echo "$out" | grep -v "^\s*$" | tail -n 3
  echo "bot.sh: data valid"
}

cmd_test_nlu() {
  local out="${NLU_RESULTS:-$REPO/var/nlu-results}"
  cmd_train
  rm -rf "$out" && mkdir -p "$out"
  (cd "$BOT" && "${RASA_RUN[@]}" test nlu --model "$MODEL_DIR/$MODEL_NAME.tar.gz" --nlu tests/nlu_heldout.yml \
     --out "$out" --no-plot --successes >"$out/rasa-test.log" 2>&1) \
    || { tail -n 40 "$out/rasa-test.log"; die "rasa test nlu failed"; }
  "$PY" - "$out" "$MIN_INTENT_ACCURACY" "$MIN_PORT_F1" <<'PYEOF'
import json, sys
from pathlib import Path

out, min_acc, min_f1 = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
intents = json.loads((out / "intent_report.json").read_text())
# The pipeline's one entity extractor (components.entity_extractor.HeadRegexEntityExtractor).
reports = sorted(out.glob("*EntityExtractor_report.json"))
if len(reports) != 1:
    sys.exit(f"expected one entity extractor report in {out}, found {[r.name for r in reports]}")
entities = json.loads(reports[0].read_text())
acc = intents["accuracy"]
port_f1 = entities.get("port", {}).get("f1-score", 0.0)
errors = json.loads((out / "intent_errors.json").read_text()) if (out / "intent_errors.json").exists() else []
for e in errors:
    print(f"  miss: {e['text'][:60]!r}: expected {e['intent']}, got {e['intent_prediction']['name']}")
print(f"intent accuracy: {acc:.4f} (min {min_acc})")
for name in ("port", "protocol", "sg_id", "instance_id", "faq_id"):
    if name in entities:
        print(f"entity {name}: f1 {entities[name]['f1-score']:.4f} (support {entities[name]['support']})")
print(f"port entity F1: {port_f1:.4f} (min {min_f1})")
sys.exit(0 if acc >= min_acc and port_f1 >= min_f1 else 1)
PYEOF
}

cmd_test_core() {
  cmd_train
  local out="${CORE_RESULTS:-$REPO/var/core-results}"
  mkdir -p "$out"
  (cd "$BOT" && "${RASA_RUN[@]}" test core --model "$MODEL_DIR/$MODEL_NAME.tar.gz" --stories tests/test_stories.yml \
     --out "$out" --no-plot --fail-on-prediction-errors "$@")
}

cmd_up() {
  cmd_train
  "$0" actions & UP_ACTIONS_PID=$!
  "$0" server & UP_SERVER_PID=$!
  # Ctrl-C, or either one exiting, stops both.
  trap 'kill -TERM "$UP_ACTIONS_PID" "$UP_SERVER_PID" 2>/dev/null; wait' INT TERM EXIT
  wait -n "$UP_ACTIONS_PID" "$UP_SERVER_PID"
}

sub="${1:-}"; shift || true
case "$sub" in
  train) cmd_train "$@" ;;
  server) cmd_server "$@" ;;
  actions) cmd_actions "$@" ;;
  validate) cmd_validate ;;
  test-nlu) cmd_test_nlu ;;
  test-core) cmd_test_core "$@" ;;
  up) cmd_up ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; [[ -z "$sub" ]] && exit 0 || exit 2 ;;
esac
