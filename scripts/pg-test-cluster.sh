#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of the PostgreSQL trial store.
#
#   scripts/pg-test-cluster.sh start STATE_DIR   initdb + pg_ctl start in STATE_DIR on a free
#                                                127.0.0.1 port; writes STATE_DIR/url
#   scripts/pg-test-cluster.sh restart STATE_DIR pg_ctl restart (fast), same port
#   scripts/pg-test-cluster.sh pause STATE_DIR   pg_ctl stop (fast), keeping the cluster
#   scripts/pg-test-cluster.sh resume STATE_DIR  pg_ctl start again on the same port
#   scripts/pg-test-cluster.sh stop STATE_DIR    pg_ctl stop (immediate) and remove STATE_DIR
#
# Uses Debian's binaries (/usr/lib/postgresql/*/bin, newest first) or those on PATH.
# initdb refuses to run as root, so as root the cluster belongs to a system user
# (ASC_PG_USER, default ascpg), created when missing. Loopback only, trust auth: never
# point this at anything but a test directory.
# Exit status 3 with a one-line reason on stderr when PostgreSQL is not installed.
set -euo pipefail

command=${1:-}
state=${2:-}
if [[ -z "$command" || -z "$state" ]]; then
  echo "usage: $0 start|restart|pause|resume|stop STATE_DIR" >&2
  exit 2
fi

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$pg_user" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

if ! bin=$(find_bin); then
  echo "PostgreSQL is not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin or on PATH); apt-get install postgresql" >&2
  exit 3
fi

if [[ $(id -u) -eq 0 ]]; then
  pg_user=${ASC_PG_USER:-ascpg}
  if ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  fi
else
  pg_user=$(id -un)
fi

data="$state/data"
log="$state/postgres.log"
# The cluster's owner may not be allowed into the caller's working directory.
mkdir -p "$state"
cd "$state"

server_start() {
  as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $1 -k $state -c fsync=off -c max_connections=200" \
    start >/dev/null
}

case "$command" in
  start)
    mkdir -p "$state"
    if [[ -f "$state/url" ]]; then
      echo "$state already holds a cluster ($(cat "$state/url")); stop it first" >&2
      exit 1
    fi
    chmod 755 "$state"
    [[ $(id -u) -eq 0 ]] && chown "$pg_user" "$state"
    as_owner "$bin/initdb" -D "$data" -U "$pg_user" --auth=trust --encoding=UTF8 \
      --no-locale --no-sync >"$state/initdb.log" 2>&1 ||
      { cat "$state/initdb.log" >&2; exit 1; }
    # Another process may take the port between choosing and binding it: try a few.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if server_start "$port"; then
        echo "$port" >"$state/port"
        echo "postgresql://$pg_user@127.0.0.1:$port/postgres" >"$state/url"
        cat "$state/url"
        exit 0
      fi
      tail -n 5 "$log" >&2 || true
    done
    echo "could not start PostgreSQL in $data (see $log)" >&2
    exit 1
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -m fast restart >/dev/null
    ;;
  pause)
    as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -m fast stop >/dev/null
    ;;
  resume)
    server_start "$(cat "$state/port")"
    ;;
  stop)
    if [[ -d "$data" ]]; then
      as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
    ;;
  *)
    echo "usage: $0 start|restart|pause|resume|stop STATE_DIR" >&2
    exit 2
    ;;
esac
