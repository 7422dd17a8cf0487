#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster on loopback, for the library's tests, which
# find it through WRITER_ASSISTANT_TEST_DATABASE_URL. PostgreSQL will not run as root, so as root
# the cluster belongs to the postgres user. The cluster is stopped and removed when the command
# ends, however it ends. Where PostgreSQL is missing or will not start, the command runs without it
# and the reason is printed: the PostgreSQL half of the library's tests is then skipped.
set -uo pipefail

say() { printf '==> %s\n' "$*"; }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    say "PostgreSQL is not installed (make setup-test installs it): the library's PostgreSQL tests are skipped"
    exec "$@"
fi

as_owner=()
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
    as_owner=(runuser -u postgres --)
    owner=postgres
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/writer-assistant-postgres.XXXXXX")
chown "$owner" "$dir"
stop() {
    "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap stop EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if "${as_owner[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    && "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null 2>&1; then
    say "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') for the library's tests on 127.0.0.1:$port"
    export WRITER_ASSISTANT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
else
    say "PostgreSQL would not start (see below): the library's PostgreSQL tests are skipped"
    tail -n 5 "$dir/initdb.log" "$dir/server.log" 2>/dev/null
fi

"$@"
