#!/usr/bin/env bash
# The production shape on this machine, for `make prod-smoke` and the benchmarks (sourced, not run):
#   a throwaway PostgreSQL (scripts/pg-test-server.sh on $PGTEST_PORT), `chizai migrate`, two gunicorn servers on
#   two loopback ports and two `chizai db_worker` processes, all with DEBUG off and a random SECRET_KEY.
# Loopback speaks plain HTTP, so the HTTPS-only settings are switched off through their documented environment
# variables (SECURE_SSL_REDIRECT, SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, SECURE_HSTS_SECONDS); everything
# else keeps its production value. Everything started is stopped by shape_stop (call it from a trap).
#
#   source scripts/prod-shape.sh
#   shape_start            # PostgreSQL, migrate, 2 web servers, 2 workers; SHAPE_URLS holds the servers' URLs
#   shape_load_demo        # reference organisations, the plans, the demo data and users
#   shape_stop

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT_DIR/.venv/bin
export PGTEST_PORT=${PGTEST_PORT:-54345}
SHAPE_WEB_PORTS=${SHAPE_WEB_PORTS:-"18105 18106"}
SHAPE_WORKERS=${SHAPE_WORKERS:-2}
SHAPE_GUNICORN_WORKERS=${SHAPE_GUNICORN_WORKERS:-2}
SHAPE_DIR=${SHAPE_DIR:-$(mktemp -d /tmp/chizai-shape-XXXXXX)}
SHAPE_PIDS=()
SHAPE_URLS=()
declare -A SHAPE_WEB_PID SHAPE_WORKER_PID

shape_env() {
    export PYTHONPATH=$ROOT_DIR
    export DEBUG=0
    export SECRET_KEY=${SHAPE_SECRET_KEY:=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))')}
    export ALLOWED_HOSTS=127.0.0.1,localhost
    # Loopback is plain HTTP: the only production values switched off (docs/deployment.md, "prod-smoke").
    export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0
    export CHIZAI_VAR_DIR=$SHAPE_DIR/var CHIZAI_UPLOAD_DIR=$SHAPE_DIR/uploads
    export MAIL_BACKEND=django.core.mail.backends.console.EmailBackend
    export CHIZAI_WORKER_HEARTBEAT_SECONDS=${CHIZAI_WORKER_HEARTBEAT_SECONDS:-2}
    export CHIZAI_WORKER_STALE_SECONDS=${CHIZAI_WORKER_STALE_SECONDS:-10}
    export DATABASE_URL
    DATABASE_URL=$("$ROOT_DIR/scripts/pg-test-server.sh" url)
    mkdir -p "$CHIZAI_VAR_DIR" "$CHIZAI_UPLOAD_DIR" "$SHAPE_DIR/log"
}

shape_start() {
    echo "== production shape in $SHAPE_DIR (PostgreSQL on $PGTEST_PORT, web on $SHAPE_WEB_PORTS, $SHAPE_WORKERS workers)"
    "$ROOT_DIR/scripts/pg-test-server.sh" start >/dev/null
    shape_env
    "$BIN/chizai" migrate --noinput >"$SHAPE_DIR/log/migrate.log"
    local port n
    for port in $SHAPE_WEB_PORTS; do shape_start_web "$port"; done
    for n in $(seq 1 "$SHAPE_WORKERS"); do shape_start_worker "$n"; done
    for port in $SHAPE_WEB_PORTS; do shape_wait_web "$port"; done
}

shape_start_web() {
    local port=$1
    # --keep-alive above the client's idle time (nginx: keepalive_timeout 60 s): a kept connection is closed by the
    # client, never by gunicorn while the client sends on it (that race answered 4 of 14,676 requests with a reset).
    "$BIN/gunicorn" chizai.wsgi --bind "127.0.0.1:$port" --workers "$SHAPE_GUNICORN_WORKERS" --threads 4 --keep-alive 75 \
        --timeout 60 --graceful-timeout 5 --access-logfile "$SHAPE_DIR/log/access-$port.log" \
        --error-logfile "$SHAPE_DIR/log/web-$port.log" >>"$SHAPE_DIR/log/web-$port.log" 2>&1 &
    SHAPE_WEB_PID[$port]=$!
    SHAPE_PIDS+=($!)
    case " ${SHAPE_URLS[*]} " in *" http://127.0.0.1:$port "*) ;; *) SHAPE_URLS+=("http://127.0.0.1:$port") ;; esac
}

shape_start_worker() {
    local n=$1
    "$BIN/chizai" db_worker --worker-id "$(hostname)-$n" --no-reload --interval 0.5 \
        >>"$SHAPE_DIR/log/worker-$n.log" 2>&1 &
    SHAPE_WORKER_PID[$n]=$!
    SHAPE_PIDS+=($!)
}

shape_wait_web() {
    local port=$1 i
    for i in $(seq 1 120); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    echo "prod-shape: the web server on $port did not answer /healthz" >&2
    tail -20 "$SHAPE_DIR/log/web-$port.log" >&2
    return 1
}

shape_load_demo() {
    {
        "$BIN/chizai" setup_reference
        "$BIN/chizai" load_plan "$ROOT_DIR"/plans/*.yaml
        "$BIN/chizai" load_demo
    } >"$SHAPE_DIR/log/load.log" 2>&1
}

shape_stop() {
    local pid
    for pid in "${SHAPE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${SHAPE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    SHAPE_PIDS=()
    "$ROOT_DIR/scripts/pg-test-server.sh" destroy >/dev/null 2>&1 || true
    if [ -z "${SHAPE_KEEP:-}" ]; then rm -rf "$SHAPE_DIR"; else echo "prod-shape: logs kept in $SHAPE_DIR"; fi
}
