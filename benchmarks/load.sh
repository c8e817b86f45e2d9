#!/usr/bin/env bash
# make bench-load: LOAD_USERS (200) signed-in users for LOAD_DURATION (5m) on the production shape
# (scripts/prod-shape.sh: PostgreSQL, two gunicorn servers, two workers, DEBUG off), loopback only, headless and
# bounded: locust stops by itself. Prints locust's summary and /healthz; fails if any request failed.
# Figures are recorded by hand in benchmarks/LOAD.md. LOAD_CSV=prefix keeps locust's CSV files.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/prod-shape.sh"
# These measure pages and recovery, not sign-in: the reviewers and administrators among the simulated users sign
# in with their password alone (make prod-smoke signs in with a second factor).
export CHIZAI_MFA_REQUIRED=0
USERS=${LOAD_USERS:-200}
RATE=${LOAD_RATE:-20}
DURATION=${LOAD_DURATION:-5m}
trap shape_stop EXIT
shape_start
shape_load_demo
echo "== locust: $USERS users (+$RATE/s) for $DURATION across ${SHAPE_URLS[*]}"
export LOAD_HOSTS="${SHAPE_URLS[*]}"
csv=${LOAD_CSV:-$SHAPE_DIR/locust}
"$BIN/locust" -f "$ROOT_DIR/benchmarks/locustfile.py" --headless -u "$USERS" -r "$RATE" -t "$DURATION" \
    --host "${SHAPE_URLS[0]}" --stop-timeout 10 --only-summary --csv "$csv" --exit-code-on-error 1 2>&1 | tail -40
status=${PIPESTATUS[0]}
for url in "${SHAPE_URLS[@]}"; do echo "$url/healthz: $(curl -s "$url/healthz")"; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc)"
exit "$status"
