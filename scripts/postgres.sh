#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on 127.0.0.1 and a free port, in a temporary
# folder (a cluster of its own: nothing of a system PostgreSQL is used or changed).
#
#   bash scripts/postgres.sh start [ENV_FILE]  installs Debian's `postgresql` if its programs
#                                 are missing (as root, or with sudo), creates and starts the
#                                 cluster, and writes to ENV_FILE (default: stdout) the lines
#                                 to source: NAAS_TEST_PG_URL (the database naas_test, as its
#                                 owner, a superuser with a password) and NAAS_TEST_PG_DATA.
#   bash scripts/postgres.sh restart           restarts the server of $NAAS_TEST_PG_DATA (the
#                                 tests check that the stores reconnect).
#   bash scripts/postgres.sh stop              stops it and deletes its folder.
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user the
# Debian package creates. The tests (tests/pg.py) use $NAAS_TEST_PG_URL when it is set, and
# start a server with this script themselves when PostgreSQL is installed.
set -euo pipefail

PG_USER_NAME=naas
PG_DB_NAME=naas_test

say() { printf '%s\n' "$*" >&2; }

bin_dir() {
  # The newest PostgreSQL's programs: Debian keeps them out of PATH.
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

install_postgres() {
  local sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo -n"
  say "Installing PostgreSQL from Debian (package postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # Only the programs: the package's own cluster (if one is created) is not started or used.
  $sudo_cmd apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# Run a PostgreSQL program as the cluster's owner (the postgres user when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local out=${1:-/dev/stdout} bin data port password
  bin=$(bin_dir) || { install_postgres; bin=$(bin_dir); } || {
    say "PostgreSQL's programs (initdb, pg_ctl) are not found, and installing them failed."
    exit 1
  }
  # As root, in /tmp: the postgres user must reach it ($TMPDIR may be root's own folder).
  if [ "$(id -u)" = 0 ]; then data=$(mktemp -d /tmp/naas-pg.XXXXXX); else
    data=$(mktemp -d "${TMPDIR:-/tmp}/naas-pg.XXXXXX"); fi
  if [ "$(id -u)" = 0 ]; then
    getent passwd postgres >/dev/null || { say "no 'postgres' user to run PostgreSQL as (root cannot)"; exit 1; }
    chown postgres: "$data"
  fi
  chmod 700 "$data"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  printf '%s\n' "$password" >"$data/.pw"
  [ "$(id -u)" = 0 ] && chown postgres: "$data/.pw"
  as_owner "$bin/initdb" -D "$data/cluster" -U "$PG_USER_NAME" --pwfile="$data/.pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$data/.pw"
  port=$(free_port)
  as_owner "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$data/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h "$data" -p "$port" -U "$PG_USER_NAME" "$PG_DB_NAME"
  {
    echo "export NAAS_TEST_PG_URL='postgresql+psycopg://$PG_USER_NAME:$password@127.0.0.1:$port/$PG_DB_NAME'"
    echo "export NAAS_TEST_PG_DATA='$data'"
  } >"$out"
  say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port (data in $data)"
}

pg_ctl_cmd() {
  local data=${NAAS_TEST_PG_DATA:?NAAS_TEST_PG_DATA is not set: start the server first}
  [ -d "$data/cluster" ] || { say "no cluster in $data"; exit 1; }
  as_owner "$(bin_dir)/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 "$@"
}

stop() {
  local data=${NAAS_TEST_PG_DATA:-}
  [ -n "$data" ] && [ -d "$data" ] || return 0
  [ -d "$data/cluster" ] && pg_ctl_cmd -m fast stop >/dev/null 2>&1 || true
  rm -rf "$data"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  restart) pg_ctl_cmd -m fast restart >/dev/null ;;
  stop) stop ;;
  *) say "usage: $0 start [ENV_FILE] | restart | stop"; exit 2 ;;
esac
