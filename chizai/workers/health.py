"""How the workers are doing, for /healthz and the import pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from chizai.workers.models import Worker


@dataclass(frozen=True)
class WorkerHealth:
    alive: int  # workers seen within CHIZAI_WORKER_STALE_SECONDS
    last_seen_seconds: float | None  # since the most recent heartbeat of any worker; None if none ever beat

    @property
    def ok(self) -> bool:
        return self.alive > 0


def stale_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Heartbeats older than this are from dead workers."""
    return (now or timezone.now()) - datetime.timedelta(seconds=settings.CHIZAI_WORKER_STALE_SECONDS)


def worker_health() -> WorkerHealth:
    now = timezone.now()
    latest = Worker.objects.order_by("-last_seen_at").values_list("last_seen_at", flat=True).first()
    alive = Worker.objects.filter(last_seen_at__gte=stale_cutoff(now)).count()
    return WorkerHealth(alive=alive, last_seen_seconds=(now - latest).total_seconds() if latest else None)


def workers_needed() -> bool:
    """Whether tasks wait for a worker (the database backend) rather than running where they are enqueued."""
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def tasks_can_run() -> bool:
    """True unless tasks wait for a worker and none is alive (what the import pages warn about)."""
    return not workers_needed() or worker_health().ok


def is_alive(worker_id: str) -> bool:
    return Worker.objects.filter(worker_id=worker_id, last_seen_at__gte=stale_cutoff()).exists()
