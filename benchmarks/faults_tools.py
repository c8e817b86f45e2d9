"""Helpers of benchmarks/faults.sh: read an import job's row, wait for it, and a failing-over HTTP client.

  python benchmarks/faults_tools.py state JOB                 # one JSON line: status, worker, rows, 中断?, actuals
  python benchmarks/faults_tools.py wait JOB STATUS [SECONDS]  # until the job's status is STATUS (or !STATUS: isn't)
  python benchmarks/faults_tools.py client SECONDS URL…        # signed-in readers; failover on refused connections

The client stands in for the reverse proxy (nginx's proxy_next_upstream error): a request whose server refuses
the connection is sent to the next server and counted as a failover; any other failure (5xx, timeout) counts
as an error and is reported with the second it happened, so an outage window can be read from the output.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
from collections import Counter
from typing import Any

import psycopg
import requests

PASSWORD = "pass-1234-chizai"
QUERY = (
    "SELECT status, worker_id, rows_done, interrupted_at IS NOT NULL, failure,"
    " (SELECT COUNT(*) FROM kpis_actual a JOIN kpis_kpi k ON a.kpi_id = k.id WHERE k.plan_id = j.plan_id)"
    " FROM exchange_importjob j WHERE j.id = %s"
)


def state(job: int) -> dict[str, Any]:
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            row = connection.execute(QUERY, (job,)).fetchone()
    except psycopg.OperationalError:
        return {"status": "database-unavailable"}
    keys = ("status", "worker_id", "rows_done", "interrupted", "failure", "actuals")
    return dict(zip(keys, row or (), strict=False))


def wait(job: int, wanted: str, seconds: float) -> dict[str, Any]:
    negate, wanted = wanted.startswith("!"), wanted.lstrip("!")
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        current = state(job)
        if (current.get("status") == wanted) != negate and current.get("status") != "database-unavailable":
            return {**current, "waited_seconds": round(time.monotonic() - started, 1)}
        time.sleep(0.2)
    raise SystemExit(f"faults: job {job} still {state(job)} after {seconds} s")


def client(seconds: float, urls: list[str], threads: int = 4) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    errors: list[str] = []
    started = time.monotonic()
    cycle = itertools.cycle(urls)
    lock = threading.Lock()

    def reader() -> None:
        session = requests.Session()
        signed_in = False
        while time.monotonic() - started < seconds:
            for _attempt in range(len(urls)):
                with lock:
                    base = next(cycle)
                try:
                    if not signed_in:
                        session.get(f"{base}/login/", timeout=30)
                        token = session.cookies.get("csrftoken", "")
                        data = {"csrfmiddlewaretoken": token, "username": "tokyo_viewer", "password": PASSWORD}
                        response = session.post(f"{base}/login/", data=data, timeout=30, allow_redirects=False)
                        signed_in = response.status_code == 302
                    else:
                        response = session.get(f"{base}/organizations/pref-13/", timeout=30, allow_redirects=False)
                except requests.ConnectionError:
                    with lock:
                        counts["failovers"] += 1
                    continue  # the proxy tries the next server
                except requests.Timeout:
                    response = None
                with lock:
                    if response is not None and response.status_code in (200, 302):
                        counts["ok"] += 1
                    else:
                        counts["errors"] += 1
                        code = response.status_code if response is not None else "timeout"
                        errors.append(f"{time.monotonic() - started:5.1f}s {code}")
                break
            time.sleep(0.05)

    workers = [threading.Thread(target=reader) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    window = f"{errors[0].split()[0]}–{errors[-1].split()[0]}" if errors else "none"
    return {"seconds": seconds, **counts, "error_window": window, "first_errors": errors[:5]}


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "state":
        result = state(int(args[0]))
    elif command == "wait":
        result = wait(int(args[0]), args[1], float(args[2]) if len(args) > 2 else 120)
    else:
        result = client(float(args[0]), args[1:])
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
