#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#   scripts/pg-test-server.sh start    # initdb if needed, start (idempotent), create db "chizai"
#   scripts/pg-test-server.sh stop     # stop if running (idempotent)
#   scripts/pg-test-server.sh url      # print the DATABASE_URL for it
#   scripts/pg-test-server.sh status   # exit 0 if running
#   scripts/pg-test-server.sh destroy  # stop and delete the cluster
# Listens on 127.0.0.1:$PGTEST_PORT (default 54329), trust auth, user "postgres".
# PostgreSQL refuses to run as root, so as root the cluster lives in
# /tmp/chizai-pgtest-$PORT owned by the "postgres" system user and every server
# command runs through `runuser -u postgres`; otherwise it lives in var/pgtest.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${PGTEST_PORT:-54329}
DB=chizai

if [ "$(id -u)" -eq 0 ]; then
    BASE=/tmp/chizai-pgtest-$PORT
    PG_USER=postgres
else
    BASE=$ROOT_DIR/var/pgtest
    PG_USER=
fi
DATA=$BASE/data
SOCK=$BASE/run
LOG=$BASE/postgres.log

die() { echo "pg-test-server: $*" >&2; exit 1; }

find_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
    fi
    # Newest installed major version first.
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
    done
    for d in $(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)"); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
    done
    die "PostgreSQL server binaries (initdb, pg_ctl) not found; run: scripts/system-deps.sh postgresql"
}

# Run a command as the cluster owner, from / so an unreadable cwd does not matter.
as_pg() {
    if [ -n "$PG_USER" ]; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        "$@"
    fi
}

is_running() {
    [ -f "$DATA/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

url() { echo "postgres://postgres@127.0.0.1:$PORT/$DB"; }

init_cluster() {
    if [ -f "$DATA/PG_VERSION" ]; then
        local have want
        have=$(cat "$DATA/PG_VERSION")
        want=$("$BIN/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
        [ "$have" = "$want" ] && return 0
        # A cluster left by another PostgreSQL major version: throw it away.
        is_running && as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
        echo "pg-test-server: recreating cluster ($have -> $want)"
    fi
    if [ -n "$PG_USER" ]; then
        id -u "$PG_USER" >/dev/null 2>&1 || die "system user '$PG_USER' is missing (it comes with Debian's postgresql package)"
    fi
    rm -rf "$BASE"
    mkdir -p "$DATA" "$SOCK"
    chmod 700 "$DATA"
    [ -n "$PG_USER" ] && chown -R "$PG_USER": "$BASE"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 \
        || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
    # Test-only settings: loopback only, socket inside our dir, no durability.
    cat >>"$DATA/postgresql.conf" <<CONF

# --- chizai throwaway test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 128MB
timezone = 'UTC'
log_min_messages = warning
CONF
}

start() {
    init_cluster
    if is_running; then
        echo "pg-test-server: already running on 127.0.0.1:$PORT"
    else
        # The port is given at start so PGTEST_PORT always wins.
        if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null; then
            tail -n 30 "$LOG" >&2 || true
            die "PostgreSQL did not start (is port $PORT already in use? set PGTEST_PORT)"
        fi
        echo "pg-test-server: started on 127.0.0.1:$PORT (data: $DATA)"
    fi
    local exists
    exists=$("$BIN/psql" -X -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'") || die "cannot connect to 127.0.0.1:$PORT"
    if [ "$exists" != 1 ]; then
        "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres -E UTF8 "$DB"
    fi
}

stop() {
    if is_running; then
        as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
        echo "pg-test-server: stopped"
    fi
}

case "${1:-}" in
    start)   BIN=$(find_bindir); start ;;
    stop)    if [ -f "$DATA/PG_VERSION" ]; then BIN=$(find_bindir); stop; fi ;;
    status)  BIN=$(find_bindir); is_running ;;
    url)     url ;;
    destroy) if [ -f "$DATA/PG_VERSION" ]; then BIN=$(find_bindir); stop; fi; rm -rf "$BASE" ;;
    *)       echo "usage: $0 start|stop|url|status|destroy" >&2; exit 2 ;;
esac
