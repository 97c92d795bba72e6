#!/usr/bin/env bash
# A real Redis for the scale-out tests (Rasa's lock store) and for developers, beside
# scripts/postgres.sh.
#
#   scripts/redis.sh start   install Debian's redis-server if missing, start a private instance
#                            on 127.0.0.1:$REDIS_PORT (56379), no persistence, and print its URL
#                            to stdout (progress goes to stderr):
#                              export HELPDESK_TEST_REDIS_URL="$(scripts/redis.sh start)"
#   scripts/redis.sh url     print that URL
#   scripts/redis.sh stop    stop that instance (only the one this script started)
#
# The instance is separate from Debian's redis-server service: its own port, pid file and
# working directory ($REDIS_DIR, default /tmp/cvm-helpdesk-redis-$REDIS_PORT).
set -euo pipefail

PORT="${REDIS_PORT:-56379}"
DIR="${REDIS_DIR:-/tmp/cvm-helpdesk-redis-$PORT}"
PIDFILE="$DIR/redis.pid"

say() { echo "redis.sh: $*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
url() { echo "redis://127.0.0.1:$PORT/0"; }
alive() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  say "installing Debian's redis-server"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2 \
    || die "apt-get install redis-server failed"
}

cmd_start() {
  install
  mkdir -p "$DIR"
  if ! alive; then
    say "starting redis-server on 127.0.0.1:$PORT"
    # Loopback only, no RDB/AOF files: a lock store for tests, not a database of record.
    redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --pidfile "$PIDFILE" \
      --dir "$DIR" --logfile "$DIR/redis.log" --save "" --appendonly no >&2
  fi
  for _ in $(seq 1 50); do
    [[ "$(redis-cli -p "$PORT" ping 2>/dev/null)" == PONG ]] && { say "ready: $(url)"; url; return 0; }
    sleep 0.1
  done
  die "redis-server does not answer on port $PORT (log: $DIR/redis.log)"
}

cmd_stop() {
  if alive; then
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$PIDFILE")"
    say "stopped 127.0.0.1:$PORT"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  url) url ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; [[ -z "${1:-}" ]] && exit 0 || exit 2 ;;
esac
