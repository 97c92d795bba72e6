#!/usr/bin/env bash
# A real PostgreSQL for the deflection store's tests and benchmark (CI and developers alike).
#
#   scripts/postgres.sh start   install Debian's postgresql if missing, create and start a cluster
#                               "helpdesk" on 127.0.0.1:$POSTGRES_PORT (55432), create the role and
#                               database, and print the URL to stdout (progress goes to stderr):
#                                 export HELPDESK_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"
#   scripts/postgres.sh url     print that URL
#   scripts/postgres.sh stop    stop the cluster (its data stays for the next start)
#   scripts/postgres.sh drop    stop and delete the cluster
#
# Needs root, or sudo for the package install and the cluster commands. The cluster is
# separate from Debian's "main" one, so it does not touch a database you already run.
set -euo pipefail

PORT="${POSTGRES_PORT:-55432}"
CLUSTER="${POSTGRES_CLUSTER:-helpdesk}"
DB_USER="${POSTGRES_USER:-helpdesk}"
DB_PASSWORD="${POSTGRES_PASSWORD:-helpdesk}"
DB_NAME="${POSTGRES_DB:-helpdesk_test}"

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }
url() { echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"; }

version() {
  ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1
}

install() {
  if [[ -n "$(version)" ]] && command -v pg_createcluster >/dev/null; then return 0; fi
  say "installing Debian's postgresql"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 \
    || die "apt-get install postgresql failed"
  [[ -n "$(version)" ]] || die "postgresql installed but no server under /usr/lib/postgresql"
}

cmd_start() {
  install
  local v; v="$(version)"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$v $CLUSTER"; then
    say "creating cluster $v/$CLUSTER on 127.0.0.1:$PORT"
    as_root pg_createcluster "$v" "$CLUSTER" -p "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 >&2
    # Loopback only; and tests and the benchmark, not durability: faster bulk loads and migrations.
    as_root tee "/etc/postgresql/$v/$CLUSTER/conf.d/helpdesk.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! pg_lsclusters -h | awk -v v="$v" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}' | grep -q online; then
    say "starting cluster $v/$CLUSTER"
    as_root pg_ctlcluster "$v" "$CLUSTER" start >&2
  fi
  for _ in $(seq 1 60); do
    as_postgres psql -p "$PORT" -Atqc "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.5
  done
  as_postgres psql -p "$PORT" -Atqc "SELECT 1" >/dev/null || die "cluster $v/$CLUSTER does not answer on port $PORT"
  as_postgres psql -p "$PORT" -v ON_ERROR_STOP=1 -q >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD' CREATEDB;
  END IF;
END \$\$;
SQL
  if ! as_postgres psql -p "$PORT" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    as_postgres createdb -p "$PORT" -O "$DB_USER" "$DB_NAME" >&2
  fi
  say "ready: $(url | sed "s/:$DB_PASSWORD@/:***@/")"
  url
}

cmd_stop() {
  local v; v="$(version)"
  [[ -n "$v" ]] || return 0
  if pg_lsclusters -h 2>/dev/null | awk -v v="$v" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}' | grep -q online; then
    as_root pg_ctlcluster "$v" "$CLUSTER" stop >&2
    say "stopped $v/$CLUSTER"
  fi
}

cmd_drop() {
  local v; v="$(version)"
  cmd_stop
  if [[ -n "$v" ]] && pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$v $CLUSTER"; then
    as_root pg_dropcluster "$v" "$CLUSTER" >&2
    say "dropped $v/$CLUSTER"
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  drop) cmd_drop ;;
  url) url ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; [[ -z "${1:-}" ]] && exit 0 || exit 2 ;;
esac
