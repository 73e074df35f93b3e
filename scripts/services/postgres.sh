#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, sourced by scripts/test.sh (and benchmarks).
# service_start_postgres: initdb (as the `postgres` user: initdb refuses root) in
# $TEST_STATE_DIR/postgres, start on a free loopback port with a password-protected user, and
# export DATABASE_URL, PG_BIN (the server's bin folder, so tests can start their own clusters or
# restart this one) and PG_DATA. Installs nothing: scripts/setup.sh lists `postgresql`.
# service_stop_postgres: stops it.

_pg_run() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

service_start_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "postgres: no server found under /usr/lib/postgresql (scripts/setup.sh installs it)" >&2
    return 1
  fi
  local state="${TEST_STATE_DIR:?TEST_STATE_DIR is not set}/postgres"
  local port password
  port="$(_pg_free_port)"
  password="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
  mkdir -p "$state"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$state"
  _pg_run "$bin/initdb" -D "$state/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >"$state.initdb.log" 2>&1 || { cat "$state.initdb.log" >&2; return 1; }
  # A throw-away cluster: durability is not needed, speed is (PG_DURABLE=1 keeps the defaults).
  local fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [[ "${PG_DURABLE:-0}" == 1 ]] && fast=""
  # PG_OPTIONS: more server settings, e.g. "-c shared_preload_libraries=pg_stat_statements".
  _pg_run "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 30 start \
    -o "-p $port -k $state -c listen_addresses=127.0.0.1 $fast -c max_connections=200 ${PG_OPTIONS:-}" \
    >/dev/null || { cat "$state/server.log" >&2; return 1; }
  _pg_run "$bin/psql" -h "$state" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE runner LOGIN CREATEDB PASSWORD '$password'" -c "CREATE DATABASE runner OWNER runner" >/dev/null
  export PG_BIN="$bin"
  export PG_DATA="$state/data"
  export DATABASE_URL="postgres://runner:${password}@127.0.0.1:${port}/runner"
  echo "postgres: started on 127.0.0.1:$port (data in $state)" >&2
}

service_stop_postgres() {
  [[ -n "${PG_BIN:-}" && -n "${PG_DATA:-}" && -d "${PG_DATA}" ]] || return 0
  _pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
}
