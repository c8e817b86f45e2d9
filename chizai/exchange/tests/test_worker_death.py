"""A real `chizai db_worker` killed with SIGKILL in the middle of applying an import, then started again.

The database is one of its own (a SQLite file, or a fresh database on the PostgreSQL server the suite runs on), the
worker a subprocess with the database task backend: what production runs. Afterwards the job says what happened
(中断), nothing of the file is in the database (all or nothing), and running it again applies every row.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[3]
ROWS = 40_000
SCENARIO = "from chizai.exchange.tests import worker_scenario as s; "


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database for the subprocesses alone: beside the suite's, never inside its test transaction."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    import psycopg

    name = f"chizai_worker_{uuid.uuid4().hex[:8]}"
    admin = dj_database_url.parse(suite_url)
    params = {"host": admin["HOST"], "port": admin["PORT"], "user": admin["USER"], "password": admin["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield suite_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def chizai(database_url: str, tmp_path: Path) -> Any:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "CHIZAI_VAR_DIR": str(tmp_path / "var"),
        "CHIZAI_UPLOAD_DIR": str(tmp_path / "uploads"),
        "CHIZAI_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "CHIZAI_WORKER_HEARTBEAT_SECONDS": "1",
    }

    def run(*args: str, **extra_env: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "chizai.manage", *args],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def state(job: int) -> dict[str, Any]:
        """The job's row and the plan's actuals, read straight from the database (a `chizai shell` takes seconds)."""
        query = (
            "SELECT status, worker_id, rows_done, interrupted_at IS NOT NULL, failure,"
            " (SELECT COUNT(*) FROM kpis_actual a JOIN kpis_kpi k ON a.kpi_id = k.id WHERE k.plan_id = j.plan_id)"
            f" FROM exchange_importjob j WHERE j.id = {int(job)}"
        )
        row = _fetchone(database_url, query)
        keys = ("status", "worker_id", "rows_done", "interrupted", "failure", "actuals")
        return dict(zip(keys, row, strict=True))

    def worker(worker_id: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "chizai.manage", "db_worker", "--worker-id", worker_id]
        command += ["--no-reload", "--no-startup-delay", "--interval", "0.2"]
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)

    run.state = state  # type: ignore[attr-defined]
    run.worker = worker  # type: ignore[attr-defined]
    run("migrate", "--noinput")
    return run


def _fetchone(database_url: str, query: str) -> tuple[Any, ...]:
    if database_url.startswith("sqlite"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)) as connection:
            return tuple(connection.execute(query).fetchone())
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as connection:
        return tuple(connection.execute(query).fetchone() or ())


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_import_whose_worker_is_killed_says_interrupted_wrote_nothing_and_can_be_retried(chizai):
    out = chizai("shell", "-c", SCENARIO + f"s.prepare({ROWS})", CHIZAI_TASK_BACKEND=IMMEDIATE)
    job = json.loads(out.splitlines()[-1])["job"]
    assert chizai.state(job)["status"] == "checked"

    chizai("shell", "-c", SCENARIO + f"s.start_apply({job})")
    first = chizai.worker("worker-a")
    try:
        running = wait_for(lambda: (s := chizai.state(job))["worker_id"] == "worker-a" and s, 60, "the worker")
        assert running["status"] == "applying"
        time.sleep(0.3)  # well inside the apply (about 4 s of CPU for 40,000 rows, more under the suite's load)
        assert chizai.state(job)["status"] == "applying", "the apply ended before the kill: make ROWS bigger"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    again = chizai.worker("worker-a")  # the same worker, restarted (systemd does this)
    try:
        after = wait_for(lambda: (s := chizai.state(job))["status"] != "applying" and s, 60, "the restart")
        assert after["status"] == "failed" and after["interrupted"]
        assert "中断" in after["failure"] and "データは何も変更されていません" in after["failure"]
        assert after["actuals"] == 0  # all or nothing

        chizai("shell", "-c", SCENARIO + f"s.retry({job})")
        done = wait_for(lambda: (s := chizai.state(job))["status"] == "applied" and s, 120, "the retried apply")
        assert done["actuals"] == ROWS and done["rows_done"] == ROWS and done["worker_id"] == "worker-a"
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)
    workers = chizai("shell", "-c", "from chizai.workers.models import Worker; print(Worker.objects.count())")
    assert workers.strip().splitlines()[-1] == "0"  # a clean stop removes the worker's heartbeat row


IMMEDIATE = "django.tasks.backends.immediate.ImmediateBackend"
