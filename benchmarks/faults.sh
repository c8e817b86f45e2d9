#!/usr/bin/env bash
# make bench-faults: three faults on the production shape (scripts/prod-shape.sh), each followed by the checks
# that matter — nothing half-written, the job says what happened, the app serves again:
#   1. kill -9 of the task worker applying a 20,000-row import;
#   2. kill -9 of a gunicorn server (its master) while signed-in readers use both servers;
#   3. a PostgreSQL restart while an import is being applied and readers are reading.
# Loopback only, bounded; everything started is stopped on exit. Figures go to benchmarks/LOAD.md by hand.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/prod-shape.sh"
# These measure pages and recovery, not sign-in: the reviewers and administrators among the simulated users sign
# in with their password alone (make prod-smoke signs in with a second factor).
export CHIZAI_MFA_REQUIRED=0
ROWS=${FAULT_ROWS:-20000}
FAULTS=${FAULTS:-"1 2 3"}  # which of the three to run
want() { case " $FAULTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
trap shape_stop EXIT
shape_start
shape_load_demo
tools() { "$BIN/python" "$ROOT_DIR/benchmarks/faults_tools.py" "$@"; }
scenario() {
    "$BIN/chizai" shell -c "from chizai.exchange.tests import worker_scenario as s; $1" | tail -1
}
json() { "$BIN/python" -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
prepare() {  # an uploaded, checked actuals file of $ROWS rows for a plan of its own ($1); prints the job's id
    CHIZAI_TASK_BACKEND=django.tasks.backends.immediate.ImmediateBackend scenario "s.prepare($ROWS, plan_number=$1)" |
        json job
}
applying_worker() {  # start applying job $1, wait until a worker holds it, print that worker's number
    scenario "s.start_apply($1)" >/dev/null
    local worker
    worker=$(tools wait "$1" applying 60 | json worker_id)
    while [ -z "$worker" ]; do sleep 0.2; worker=$(tools state "$1" | json worker_id); done
    echo "${worker##*-}"
}

if want 1; then
echo "== 1. kill -9 of the worker applying a $ROWS-row import"
job=$(prepare 91)
n=$(applying_worker "$job")
sleep 1
echo "   before: $(tools state "$job")"
kill -9 "${SHAPE_WORKER_PID[$n]}"
echo "   killed worker $n (pid ${SHAPE_WORKER_PID[$n]}); the other worker notices within CHIZAI_WORKER_STALE_SECONDS=$CHIZAI_WORKER_STALE_SECONDS"
echo "   after:  $(tools wait "$job" '!applying' 60)"
shape_start_worker "$n"
scenario "s.retry($job)" >/dev/null
echo "   retried: $(tools wait "$job" applied 180)"
fi

if want 2; then
echo "== 2. kill -9 of a gunicorn server while readers use both"
set -- $SHAPE_WEB_PORTS
victim=$1
tools client 30 "${SHAPE_URLS[@]}" >"$SHAPE_DIR/client-web.json" &
client=$!
sleep 8
kill -9 "${SHAPE_WEB_PID[$victim]}"
echo "   killed the gunicorn master on $victim (pid ${SHAPE_WEB_PID[$victim]}); restarting it in 10 s"
sleep 10
shape_start_web "$victim"
shape_wait_web "$victim"
wait "$client"
echo "   readers: $(cat "$SHAPE_DIR/client-web.json")"
echo "   $victim/healthz: $(curl -s "http://127.0.0.1:$victim/healthz")"
fi

if want 3; then
echo "== 3. PostgreSQL restart while an import is applied and readers read"
job=$(prepare 92)
tools client 40 "${SHAPE_URLS[@]}" >"$SHAPE_DIR/client-pg.json" &
client=$!
applying_worker "$job" >/dev/null
sleep 1
echo "   before: $(tools state "$job")"
started=$(date +%s.%N)
"$ROOT_DIR/scripts/pg-test-server.sh" stop >/dev/null
sleep 5
"$ROOT_DIR/scripts/pg-test-server.sh" start >/dev/null
echo "   PostgreSQL down for $(echo "$(date +%s.%N) - $started" | bc | cut -c1-4) s"
echo "   after:  $(tools wait "$job" '!applying' 90)"
wait "$client"
echo "   readers: $(cat "$SHAPE_DIR/client-pg.json")"
for url in "${SHAPE_URLS[@]}"; do echo "   $url/healthz: $(curl -s "$url/healthz")"; done
scenario "s.retry($job)" >/dev/null
echo "   retried: $(tools wait "$job" applied 180)"
fi
echo "bench-faults: done"
