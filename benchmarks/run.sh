#!/usr/bin/env bash
# make bench: the page benchmark at every scale on every database, through gunicorn; builds missing data sets.
#   BENCH_SCALES="1 10" BENCH_DATABASES="sqlite postgresql" BENCH_THROUGHPUT=20 benchmarks/run.sh
# PostgreSQL is a throwaway server on PGTEST_PORT (default 54340 here), stopped on exit; its databases
# bench_1 and bench_10 are kept in the cluster between runs, as var/bench/*.sqlite3 are for SQLite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
SCALES=${BENCH_SCALES:-1 10}
DATABASES=${BENCH_DATABASES:-sqlite postgresql}
THROUGHPUT=${BENCH_THROUGHPUT:-20}
export PGTEST_PORT=${PGTEST_PORT:-54340}

for db in $DATABASES; do
    if [ "$db" = postgresql ]; then
        trap 'scripts/pg-test-server.sh stop' EXIT
        scripts/pg-test-server.sh start >/dev/null
        base=$(scripts/pg-test-server.sh url)
    fi
    for scale in $SCALES; do
        if [ "$db" = postgresql ]; then
            url="${base%/*}/bench_$scale"
            psql "${base}" -qtc "SELECT 1 FROM pg_database WHERE datname = 'bench_$scale'" | grep -q 1 \
                || psql "${base}" -qc "CREATE DATABASE bench_$scale"
            extra=(--throughput "$THROUGHPUT")
        else
            url="sqlite:///$PWD/var/bench/scale-$scale.sqlite3"
            extra=()
        fi
        "$PY" benchmarks/national.py --scale "$scale" --database "$url"
        "$PY" benchmarks/pages.py --scale "$scale" --database "$url" "${extra[@]}"
    done
done
