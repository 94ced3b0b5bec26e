#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for trying the server by hand, print its URL, and stop
# and remove it on Ctrl-C. Needs Debian's `postgresql` package (apt-get install postgresql).
#   bash scripts/postgres.sh            # then: GROUNDSET_DATABASE_URL=<printed URL> groundset-server serve
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
root=$(mktemp -d -t groundset-pg-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$root"
    as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$bindir/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$root/data" -l "$root/log" -w start \
    -o "-p $port -k $root -c listen_addresses=127.0.0.1" >/dev/null
cleanup() {
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null || true
    rm -rf "$root"
}
trap cleanup EXIT
echo "postgresql://postgres@127.0.0.1:$port/postgres"
if [ "${1:-}" = "--print-only" ]; then trap - EXIT; echo "data directory: $root" >&2; exit 0; fi
echo "running; Ctrl-C stops and removes it" >&2
while sleep 3600; do :; done
