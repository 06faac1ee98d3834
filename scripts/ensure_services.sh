#!/usr/bin/env bash
# PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379) for `make test` and
# `make cluster`. When one does not answer, install Debian's package if missing and start a
# throwaway instance (data under $TOH_SERVICES_DIR, default /tmp/toh-services; nothing is saved
# to disk by Redis). `scripts/ensure_services.sh stop` stops only what this script started.
# A DATABASE_URL / REDIS_URL pointing to another host is left alone: that service is yours.
set -euo pipefail

DIR="${TOH_SERVICES_DIR:-/tmp/toh-services}"
PG_PORT="${TOH_PG_PORT:-5432}"  # other ports only to test this script
REDIS_PORT="${TOH_REDIS_PORT:-6379}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {  # port, name
  for _ in $(seq 1 60); do answers "$1" && return 0; sleep 0.5; done
  echo "ensure_services: $2 did not start on 127.0.0.1:$1" >&2; return 1
}
is_local() {  # url (empty = the local default)
  [ -z "$1" ] || [[ "$1" == *"@127.0.0.1:"* || "$1" == *"@localhost:"* || "$1" == *"//127.0.0.1"* \
    || "$1" == *"//localhost"* || "$1" == sqlite* ]]
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_postgres() {
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin data="$DIR/pg"
  bin="$(pg_bin)"
  mkdir -p "$DIR" && chmod 755 "$DIR"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$data"; fi
    run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  run_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $data -c fsync=off" start >/dev/null
  echo "ensure_services: started a throwaway PostgreSQL on 127.0.0.1:$PG_PORT ($data)"
}
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$DIR"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR"
  echo "ensure_services: started a throwaway Redis on 127.0.0.1:$REDIS_PORT"
}

stop() {
  if [ -s "$DIR/pg/postmaster.pid" ]; then run_pg "$(pg_bin)/pg_ctl" -D "$DIR/pg" -m fast stop || true; fi
  if [ -s "$DIR/redis.pid" ]; then kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true; fi
}

if [ "${1:-}" = stop ]; then stop; exit 0; fi
if is_local "${DATABASE_URL:-}" && ! answers "$PG_PORT"; then
  start_postgres
  wait_for "$PG_PORT" PostgreSQL
fi
if is_local "${REDIS_URL:-}" && ! answers "$REDIS_PORT"; then
  start_redis
  wait_for "$REDIS_PORT" Redis
fi
