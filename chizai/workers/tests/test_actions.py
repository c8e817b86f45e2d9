"""Workers' heartbeats, and what declaring a silent worker dead does to the tasks it was running."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chizai.workers.actions import (
    WORKER_DIED,
    beat,
    reap_dead_workers,
    release_worker_tasks,
    start_worker,
    stop_worker,
)
from chizai.workers.health import worker_health
from chizai.workers.hooks import on_worker_death, on_worker_start
from chizai.workers.management.commands.db_worker import HeartbeatWorker
from chizai.workers.models import Worker


def running_task(worker_id: str, started_seconds_ago: float = 0) -> DBTaskResult:
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="chizai.ops.tasks.send_reminders",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        worker_ids=[worker_id],
        started_at=timezone.now() - datetime.timedelta(seconds=started_seconds_ago),
    )


def silence(worker_id: str, seconds: float) -> None:
    Worker.objects.filter(worker_id=worker_id).update(last_seen_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_a_worker_that_stopped_beating_is_dead_and_its_running_task_failed(db, settings):
    told: list[set[str]] = []
    on_worker_death(lambda ids: told.append(set(ids)))
    start_worker(worker_id="a")
    start_worker(worker_id="b")
    task_a, task_b = running_task("a"), running_task("b")
    silence("a", settings.CHIZAI_WORKER_STALE_SECONDS + 1)

    assert reap_dead_workers() == ["a"]

    task_a.refresh_from_db()
    task_b.refresh_from_db()
    assert task_a.status == "FAILED" and task_a.exception_class_path == WORKER_DIED and task_a.finished_at
    assert task_b.status == "RUNNING"
    assert list(Worker.objects.values_list("worker_id", flat=True)) == ["b"]
    assert {"a"} in told
    assert reap_dead_workers() == []  # once


def test_a_worker_starting_again_under_its_id_fails_what_its_last_process_ran(db):
    start_worker(worker_id="host-1")
    task = running_task("host-1")

    start_worker(worker_id="host-1")

    task.refresh_from_db()
    assert task.status == "FAILED"
    assert Worker.objects.get().worker_id == "host-1"


def test_a_running_task_of_a_worker_without_a_row_is_failed_once_it_is_older_than_a_late_beat(db, settings):
    young = running_task("gone", started_seconds_ago=1)
    old = running_task("vanished", started_seconds_ago=settings.CHIZAI_WORKER_STALE_SECONDS + 1)

    assert reap_dead_workers() == ["vanished"]

    young.refresh_from_db()
    old.refresh_from_db()
    assert (young.status, old.status) == ("RUNNING", "FAILED")


def test_beats_keep_a_worker_alive_and_a_clean_stop_removes_it(db, settings):
    start_worker(worker_id="w")
    silence("w", settings.CHIZAI_WORKER_STALE_SECONDS - 1)
    beat(worker_id="w")
    assert worker_health().alive == 1 and worker_health().last_seen_seconds < 1

    stop_worker(worker_id="w")
    assert worker_health().alive == 0 and worker_health().last_seen_seconds is None
    beat(worker_id="w")  # a beat after being reaped registers the worker again
    assert worker_health().alive == 1


def test_a_worker_between_tasks_releases_what_a_database_outage_left_running_under_its_id(db):
    told: list[set[str]] = []
    on_worker_death(lambda ids: told.append(set(ids)))
    start_worker(worker_id="w")
    cut_off, other = running_task("w"), running_task("x")

    release_worker_tasks(worker_id="w")

    cut_off.refresh_from_db()
    other.refresh_from_db()
    assert (cut_off.status, other.status) == ("FAILED", "RUNNING")
    assert Worker.objects.filter(worker_id="w").exists()  # it lives on
    assert {"w"} in told


def test_a_worker_runs_the_start_handlers_before_it_takes_a_task(db, monkeypatch):
    happened: list[str] = []
    on_worker_start(lambda: happened.append("started"))
    monkeypatch.setattr(HeartbeatWorker, "_run_through_database_outages", lambda self: happened.append("tasks"))
    worker = HeartbeatWorker(
        queue_names=["default"],
        interval=0.1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )

    worker.run()

    assert happened[-2:] == ["started", "tasks"]
