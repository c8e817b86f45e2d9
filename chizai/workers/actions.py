"""The writes of the workers' lives: start, heartbeat, clean stop, and declaring dead workers dead.

A dead worker is one whose heartbeat is older than settings.CHIZAI_WORKER_STALE_SECONDS, or one that starts again
under the same id (its earlier process cannot still be running). Its running task results are failed and every
registered handler (chizai.workers.hooks) is told, in one transaction.
"""

from __future__ import annotations

import datetime
import os
import socket
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chizai.workers.health import stale_cutoff
from chizai.workers.hooks import worker_death_handlers
from chizai.workers.models import Worker

WORKER_DIED = "chizai.workers.WorkerDied"


@transaction.atomic
def start_worker(*, worker_id: str) -> Worker:
    """Register a starting worker; whatever an earlier process with this id was running is declared dead first."""
    reap_dead_workers(also=[worker_id])
    now = timezone.now()
    worker, _ = Worker.objects.update_or_create(worker_id=worker_id, defaults=_this_process(now))
    return worker


def beat(*, worker_id: str) -> None:
    """The heartbeat: one UPDATE; a row reaped meanwhile (the beat was late) is registered again."""
    if not Worker.objects.filter(worker_id=worker_id).update(last_seen_at=timezone.now()):
        Worker.objects.get_or_create(worker_id=worker_id, defaults=_this_process(timezone.now()))


def stop_worker(*, worker_id: str) -> None:
    """A clean stop: the row goes, so the worker is not mistaken for a dead one."""
    Worker.objects.filter(worker_id=worker_id).delete()


@transaction.atomic
def reap_dead_workers(*, also: Collection[str] = ()) -> list[str]:
    """Declare the stale workers (and `also`) dead: fail their running tasks, tell the apps. Returns their ids.

    A running task whose worker left no row at all (it died before its first beat, or was reaped already) counts
    as its worker's death too, once it has run longer than a heartbeat may be late.
    """
    cutoff = stale_cutoff()
    alive = set(Worker.objects.filter(last_seen_at__gte=cutoff).values_list("worker_id", flat=True)) - set(also)
    dead = set(also) | set(Worker.objects.filter(last_seen_at__lt=cutoff).values_list("worker_id", flat=True))
    orphans = DBTaskResult.objects.filter(status="RUNNING").only("id", "worker_ids", "started_at")
    for result in orphans:
        last = result.worker_ids[-1] if result.worker_ids else ""
        if last not in alive and (last in dead or (result.started_at or cutoff) < cutoff):
            dead.add(last)
    if not dead:
        return []
    Worker.objects.filter(worker_id__in=dead).delete()
    _fail_running_tasks(dead)
    for handler in worker_death_handlers():
        handler(dead)
    return sorted(dead)


@transaction.atomic
def release_worker_tasks(*, worker_id: str) -> None:
    """A worker between two tasks runs nothing: a task or job still marked running under its id was cut off.

    That happens when the database went away in the middle of a task (a restart): the task could not even record
    its failure. Called by the worker after every task, once the database answers.
    """
    _fail_running_tasks([worker_id])
    for handler in worker_death_handlers():
        handler([worker_id])


def _this_process(now: datetime.datetime) -> dict[str, Any]:
    return {"hostname": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now, "last_seen_at": now}


def _fail_running_tasks(worker_ids: Collection[str]) -> None:
    now = timezone.now()
    for result in DBTaskResult.objects.filter(status="RUNNING").select_for_update():
        if (result.worker_ids[-1] if result.worker_ids else "") in worker_ids:
            DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                exception_class_path=WORKER_DIED,
                traceback=f"The worker {result.worker_ids[-1]!r} stopped beating while running this task.",
            )
