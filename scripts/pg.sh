#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test command, on loopback only.
#   scripts/pg.sh start   initdb + start on a free 127.0.0.1 port; prints the admin URL
#   scripts/pg.sh stop    stops it and deletes its files
# State lives in $PG_STATE (default .tmp/pg-state): the cluster's directory and URL. The
# server binaries come from Debian's postgresql package (scripts/bootstrap.sh --test installs
# it). PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres`
# system user that package creates, in a directory under /tmp it can reach.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
state="${PG_STATE:-$ROOT/.tmp/pg-state}"

bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x "$d/initdb" ]] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
  echo "$d"
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if [[ -f "$state/url" ]] && stop_quiet; then :; fi
  local bin dir port
  bin=$(bin_dir)
  dir=$(mktemp -d /tmp/checkout-pg.XXXXXX)
  chmod 700 "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  port=$(free_port)
  as_owner "$bin/initdb" -D "$dir/data" -U checkout --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # Loopback TCP only, the socket inside the cluster's own directory; fsync off: a test
  # cluster is thrown away, durability would only slow the suite.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  mkdir -p "$state"
  echo "$dir" >"$state/dir"
  echo "postgres://checkout@127.0.0.1:$port/postgres" >"$state/url"
  cat "$state/url"
}

stop_quiet() {
  [[ -f "$state/dir" ]] || return 0
  local dir bin
  dir=$(cat "$state/dir")
  bin=$(bin_dir)
  if [[ -d "$dir/data" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir" "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop_quiet ;;
  url) cat "$state/url" ;;
  *) echo "usage: scripts/pg.sh start|stop|url" >&2; exit 2 ;;
esac
