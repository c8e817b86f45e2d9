#!/usr/bin/env bash
# make prod-smoke: the documented production shape on this machine — PostgreSQL, two gunicorn servers on two
# loopback ports, two task workers, DEBUG off with a random SECRET_KEY — then the smoke journey
# (scripts/prod_smoke.py) through a round-robin client. Everything it starts stops on exit, pass or fail.
# PGTEST_PORT (default 54345) and SHAPE_WEB_PORTS (default "18105 18106") choose the ports; SHAPE_KEEP=1 keeps logs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/prod-shape.sh"
trap shape_stop EXIT
shape_start
shape_load_demo
echo "== smoke journey across ${SHAPE_URLS[*]}"
"$BIN/python" "$ROOT_DIR/scripts/prod_smoke.py" "${SHAPE_URLS[@]}"
