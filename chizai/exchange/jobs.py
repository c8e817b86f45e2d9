"""Running an import job: the dry run (確認) and the apply (反映), each a task run by a `chizai db_worker`.

Status flow::

    UPLOADED ─start_check→ CHECKING ─→ CHECKED (report in check_report) | FAILED (job.failure)
    CHECKED without problems ─start_apply→ APPLYING ─→ APPLIED (report in apply_report)
    CHECKING | APPLYING ─worker died→ FAILED, interrupted ─retry→ UPLOADED | CHECKED ─→ (the step again)

An apply that finds problems (the data changed since the dry run, so the fingerprint differs; a row that became
invalid) writes nothing. Such a job goes back to CHECKED with that report stored as its check_report: the user
sees the problems where they saw the dry run's, the apply button is gone (the report has problems), and the way
forward is to upload the file again. FAILED is kept for what no re-check can fix within the job: a file that
cannot be read (the reader's Japanese message), unexpected errors (logged with their traceback; the user sees
a generic Japanese message), and runs whose worker died (chizai.workers declares it dead; the job says 「中断」
and may be run again, since nothing was written).

Every step goes through the task queue (settings.TASKS): any web server enqueues, any worker runs, and the job's
row holds the state and the progress that every server shows. The claim and the task are committed together.
An apply commits its data and the job's APPLIED in one transaction, so a job never says 中断 over applied data.
(On SQLite that transaction takes the write lock for the whole apply: a DEFERRED one would fail as soon as the
worker's heartbeat wrote in between.)
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.tasks import TaskContext, task

from chizai.exchange import importing
from chizai.exchange.actions import (
    claim_import_job,
    record_import_failure,
    record_import_progress,
    record_import_report,
    record_import_task,
    reopen_interrupted_import_job,
    start_import_run,
)
from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.report import ImportFileError
from chizai.organizations.types import AnyUser
from chizai.workers.actions import reap_dead_workers
from chizai.workers.health import is_alive

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 1.0  # seconds between two progress writes: the importer may report every row
UNEXPECTED_FAILURE = (
    "取込の処理中に予期しないエラーが発生しました。時間をおいてもう一度お試しください。"
    "解決しない場合は、ファイル名と受付日時を添えて管理者にお問い合わせください。"
)


class _RunLost(Exception):
    """The run no longer holds its job (its worker was declared dead meanwhile): undo what it wrote."""


def start_check(job: ImportJob) -> bool:
    """Queue the dry run of an uploaded job; False if the job was not waiting for one."""
    return _start(job, apply=False, from_status=JobStatus.UPLOADED, to_status=JobStatus.CHECKING)


def start_apply(job: ImportJob) -> bool:
    """Queue applying a checked job; False if it is not (or no longer) CHECKED, e.g. a second click on 反映."""
    return _start(job, apply=True, from_status=JobStatus.CHECKED, to_status=JobStatus.APPLYING)


def retry(job: ImportJob, *, user: AnyUser) -> bool:
    """Run an interrupted job's cut-off step again; False if the job was not interrupted (or someone retried)."""
    with transaction.atomic():
        back_to = reopen_interrupted_import_job(job=job, user=user)
        if back_to is None:
            return False
        return start_apply(job) if back_to == JobStatus.CHECKED else start_check(job)


def interrupt_if_worker_dead(job: ImportJob) -> bool:
    """For a page showing a running job: if its worker stopped beating and no other worker noticed yet (none may be
    left to), declare the dead workers dead now; True if the job changed."""
    if not job.running or not job.worker_id or is_alive(job.worker_id):
        return False
    reap_dead_workers(also=[job.worker_id])
    return ImportJob.objects.filter(pk=job.pk).exclude(status=job.status).exists()


def _start(job: ImportJob, *, apply: bool, from_status: str, to_status: str) -> bool:
    # A conditional update claims the job, so two requests can never run the same step twice; the task row is
    # written in the same transaction, so a claimed job always has its task.
    with transaction.atomic():
        if not claim_import_job(job=job, from_status=from_status, to_status=to_status):
            return False
        result = run_import_job.enqueue(job.pk, apply)
        record_import_task(job=job, task_id=str(result.id))
    return True


@task(takes_context=True)
def run_import_job(context: TaskContext[Any, Any], job_pk: int, apply: bool) -> str:
    """The task: run the claimed step of job `job_pk` in this worker; returns the job's status afterwards."""
    job = ImportJob.objects.select_related("plan", "user", "organization").get(pk=job_pk)
    worker_ids = context.task_result.worker_ids
    if not start_import_run(job=job, worker_id=worker_ids[-1] if worker_ids else "?"):
        logger.warning("import job %s: not waiting for a run (%s); task %s skipped", job.pk, job.status, context)
        return str(job.status)
    _run(job, apply=apply)
    return str(job.status)


def _run(job: ImportJob, *, apply: bool) -> None:
    progress = _ProgressWriter(job)
    try:
        _run_step(job, apply=apply, progress=progress.report)
    except _RunLost:
        logger.warning("import job %s: its worker was declared dead during the run; nothing kept", job.pk)
    except ImportFileError as error:
        record_import_failure(job=job, message=error.message)
    except (OperationalError, InterfaceError):
        # The database went away (a restart): the worker waits for it, then declares this run cut off (中断).
        raise
    except Exception:
        logger.exception("import job %s (%s): unexpected error", job.pk, job.original_name)
        record_import_failure(job=job, message=UNEXPECTED_FAILURE)
    finally:
        progress.stop()


def _run_step(job: ImportJob, *, apply: bool, progress: Callable[[int], None]) -> None:
    expected = (job.check_report or {}).get("fingerprint") if apply else None
    # The apply's data and the job's APPLIED commit together; a dry run writes nothing but the job.
    with transaction.atomic() if apply else contextlib.nullcontext():
        report = importing.run_import(
            path=job.file.path,
            file_name=job.original_name,
            sha256=job.sha256,
            plan=job.plan,
            user=job.user,
            organization=job.organization,
            apply=apply,
            expected_fingerprint=expected,
            progress=progress,
        )
        # A dry run, or an apply refused with problems (see the module docstring), goes back to CHECKED.
        if not record_import_report(job=job, report=report.as_json(), applied=apply and report.applied):
            raise _RunLost


class _ProgressWriter:
    """Writes the rows done to the job's row about once a second, from a thread of its own.

    The thread has its own database connection: the run's connection is inside the import's transaction, where a
    progress figure would stay invisible to the web servers until the end.
    """

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.rows = 0
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write_until_stopped, name=f"chizai-progress-{job.pk}", daemon=True)
        self._thread.start()

    def report(self, rows: int) -> None:
        self.rows = rows

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _write_until_stopped(self) -> None:
        try:
            while not self._stop.wait(PROGRESS_INTERVAL):
                if self.rows != self.written:
                    self._write()
        finally:
            connection.close()

    def _write(self) -> None:
        rows = self.rows
        try:
            record_import_progress(job=self.job, rows=rows)
            self.written = rows
        except DatabaseError:
            # SQLite lets one writer in at a time: a progress figure may wait for the import's transaction.
            logger.debug("import job %s: progress not written", self.job.pk, exc_info=True)
