"""`chizai db_worker`: django-tasks-db's worker, with a heartbeat and the dead workers' tasks failed at once.

Same options as django-tasks-db's command. Give each worker a stable `--worker-id` (the systemd units use
`%H-%i`): a worker that starts again under its id fails what its killed predecessor was running straight away.
Other workers notice a dead one within CHIZAI_WORKER_STALE_SECONDS of its last beat.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from chizai.workers import actions, hooks

logger = logging.getLogger("chizai.workers")


class HeartbeatWorker(db_worker.Worker):
    """The library's worker loop, registered as a Worker row and beating from a thread while it runs."""

    def run(self) -> None:
        actions.start_worker(worker_id=self.worker_id)
        for handler in hooks.worker_start_handlers():
            handler()
        stop = threading.Event()
        heart = threading.Thread(target=_beat_until, args=(self.worker_id, stop), name="chizai-heartbeat", daemon=True)
        heart.start()
        try:
            self._run_through_database_outages()
        finally:
            stop.set()
            heart.join(timeout=settings.CHIZAI_WORKER_HEARTBEAT_SECONDS * 2)
            actions.stop_worker(worker_id=self.worker_id)

    def _run_through_database_outages(self) -> None:
        """The library's loop stops at a database error; wait and go on (a PostgreSQL restart is no reason to die)."""
        while True:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError):
                logger.warning("worker %s: database unavailable; retrying", self.worker_id, exc_info=True)
                self.running_task = False
                self._wait_for_database()

    def run_task(self, db_task_result: Any) -> None:
        try:
            super().run_task(db_task_result)
        finally:
            self._release_cut_off_tasks()

    def _release_cut_off_tasks(self) -> None:
        """After every task: whatever still says it runs here was cut off (see actions.release_worker_tasks)."""
        while True:
            try:
                actions.release_worker_tasks(worker_id=self.worker_id)
                return
            except (OperationalError, InterfaceError):
                logger.warning("worker %s: database unavailable after a task; waiting", self.worker_id)
                self._wait_for_database()

    def _wait_for_database(self) -> None:
        time.sleep(max(self.interval, 1))
        close_old_connections()
        with contextlib.suppress(OperationalError, InterfaceError):
            connection.close()


def _beat_until(worker_id: str, stop: threading.Event) -> None:
    """Beat, and declare the stale workers dead, until told to stop (this thread has its own connection)."""
    try:
        while not stop.wait(settings.CHIZAI_WORKER_HEARTBEAT_SECONDS):
            try:
                actions.beat(worker_id=worker_id)
                if dead := actions.reap_dead_workers():
                    logger.warning("workers %s stopped beating: their running tasks were failed", ", ".join(dead))
            except DatabaseError:
                # SQLite busy with a long import, or PostgreSQL restarting: beat again next time.
                logger.warning("worker %s: heartbeat failed", worker_id, exc_info=True)
                connection.close()
    finally:
        connection.close()


class Command(db_worker.Command):
    help = "タスク（取込・リマインダー送信・KPI再計算など）を実行するワーカーです。生存確認を記録します。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        reload = options["reload"] and not options["batch"]
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
