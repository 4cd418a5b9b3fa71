#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests and benchmarks: its own folder, its own port on 127.0.0.1, run as a non-root
# user (initdb refuses root), stopped and deleted by `stop`.
#
#   tests/postgres/cluster.sh start DIR [--durable] [--watch PID]
#                                        prints the connection string (also written to DIR/connection)
#   tests/postgres/cluster.sh restart DIR
#                                        stops the server at once (as a crash would) and starts it on the same port
#   tests/postgres/cluster.sh stop DIR
#
# Installs Debian's postgresql package when no server is found and this runs as root. The test cluster trades
# durability for speed (fsync off) unless --durable is given: the benchmarks measure with PostgreSQL's defaults.
# --watch PID stops and deletes the cluster once that process has exited (a test process that may be killed).
set -euo pipefail

command=${1:-}
dir=${2:-}
durable=0
watch=
shift 2 || true
while [[ $# -gt 0 ]]; do
  case "$1" in
    --durable) durable=1 ;;
    --watch) watch=$2; shift ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR [--durable]" >&2
  exit 2
fi

bindir() {
  local found
  if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then pg_config --bindir; return; fi
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$found" && -x "$found/initdb" ]]; then echo "$found"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  return 1
}

# Runs a command as the cluster's owner: ourselves, or (as root) the postgres user the Debian package creates.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    if ! bin=$(bindir); then
      if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "cluster.sh: installing Debian's postgresql..." >&2
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 \
          || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }
        bin=$(bindir)
      else
        echo "cluster.sh: PostgreSQL is required (sudo apt-get install postgresql), or set PIPELINES_TEST_POSTGRES to a server's connection string" >&2
        exit 1
      fi
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "cluster.sh: the postgres user cannot reach $dir; give it a folder every user can traverse (chmod 755 its parents)" >&2
        exit 1
      fi
    fi
    port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    as_owner "$bin/initdb" -D "$dir/data" -U pipelines --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    settings="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300"
    if [[ $durable -eq 0 ]]; then settings="$settings -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -o "$settings" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    if [[ -n "$watch" ]]; then
      nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" stop "$3"' _ "$watch" "$0" "$dir" >/dev/null 2>&1 &
    fi
    echo "Host=127.0.0.1;Port=$port;Username=pipelines;Database=postgres" | tee "$dir/connection"
    ;;
  restart)
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 restart >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    [[ -d "$dir/data" ]] || exit 0
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|restart|stop DIR [--durable]" >&2
    exit 2
    ;;
esac
