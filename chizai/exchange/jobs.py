"""Running an import job: the dry run (確認) and the apply (反映), inline for small files, in a thread for big ones.

Status flow::

    UPLOADED ─start_check→ CHECKING ─→ CHECKED (report in check_report) | FAILED (job.failure)
    CHECKED without problems ─start_apply→ APPLYING ─→ APPLIED (report in apply_report)

An apply that finds problems (the data changed since the dry run, so the fingerprint differs; a row that became
invalid) writes nothing. Such a job goes back to CHECKED with that report stored as its check_report: the user
sees the problems where they saw the dry run's, the apply button is gone (the report has problems), and the way
forward is to upload the file again. FAILED is kept for what no re-check can fix within the job: a file that
cannot be read (the reader's Japanese message) and unexpected errors (logged with their traceback; the user sees
a generic Japanese message).

Files up to settings.CHIZAI_IMPORT_INLINE_BYTES run within the request. Bigger ones run in a daemon thread;
its progress (rows done) goes to the cache under job.progress_key, never to the database, where a write
would wait for the importer's open transaction on SQLite.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from chizai.exchange import importing
from chizai.exchange.actions import claim_import_job, record_import_failure, record_import_report
from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.report import ImportFileError, ImportReport

logger = logging.getLogger(__name__)

PROGRESS_TIMEOUT = 60 * 60  # seconds a progress figure is kept in the cache
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes: the importer may report every row
UNEXPECTED_FAILURE = (
    "取込の処理中に予期しないエラーが発生しました。時間をおいてもう一度お試しください。"
    "解決しない場合は、ファイル名と受付日時を添えて管理者にお問い合わせください。"
)

# A running job whose heartbeat is older than this was cut off (its process ended, e.g. a server restart).
STALE_AFTER = 15 * 60  # seconds; a running import beats at least every 1,000 rows
INTERRUPTED = (
    "処理が途中で中断されました（サーバーの再起動など）。データは何も変更されていません。"
    "お手数ですが、もう一度ファイルを取り込んでください。"
)

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def start_check(job: ImportJob) -> bool:
    """Start the dry run of an uploaded job; False if the job was not waiting for one."""
    return _start(job, apply=False, from_status=JobStatus.UPLOADED, to_status=JobStatus.CHECKING)


def start_apply(job: ImportJob) -> bool:
    """Start applying a checked job; False if it is not (or no longer) CHECKED, e.g. a second click on 反映."""
    return _start(job, apply=True, from_status=JobStatus.CHECKED, to_status=JobStatus.APPLYING)


def rows_done(job: ImportJob) -> int:
    """The rows the running check or apply has processed so far (0 before the first report)."""
    return int(cache.get(job.progress_key) or 0)


def interrupt_if_stale(job: ImportJob) -> bool:
    """Mark a CHECKING/APPLYING job whose run stopped beating as FAILED; True if it was.

    Its transaction died with its process, so nothing was written; the user is told to upload again
    rather than watching a progress bar that will never move.
    """
    if job.status not in (JobStatus.CHECKING, JobStatus.APPLYING):
        return False
    last_beat = cache.get(_beat_key(job))
    if last_beat is not None and time.time() - last_beat < STALE_AFTER:
        return False
    if last_beat is None and (timezone.now() - job.created_at).total_seconds() < STALE_AFTER:
        return False  # the cache was cleared; give a just-started job the benefit of the doubt
    return claim_import_job(job=job, from_status=job.status, to_status=JobStatus.FAILED, failure=INTERRUPTED)


def _beat_key(job: ImportJob) -> str:
    return f"{job.progress_key}:beat"


def wait_for(job: ImportJob, timeout: float | None = None) -> None:
    """Wait for the job's background thread, if any (tests, and the command line)."""
    with _threads_lock:
        thread = _threads.get(job.pk)
    if thread is not None and thread.ident is not None:  # started (its transaction committed)
        thread.join(timeout)


def _start(job: ImportJob, *, apply: bool, from_status: str, to_status: str) -> bool:
    # A conditional update claims the job, so two requests can never run the same step twice.
    if not claim_import_job(job=job, from_status=from_status, to_status=to_status):
        return False
    cache.set(job.progress_key, 0, PROGRESS_TIMEOUT)
    cache.set(_beat_key(job), time.time(), PROGRESS_TIMEOUT)
    if job.size <= settings.CHIZAI_IMPORT_INLINE_BYTES:
        _run(job, apply=apply)
        return True
    # The thread starts once the claim is committed, and keeps the request's id for the audit entries.
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(_run_in_thread, job.pk, apply), name=f"chizai-import-{job.pk}", daemon=True
    )
    with _threads_lock:
        _threads[job.pk] = thread
    transaction.on_commit(thread.start)
    return True


def _run_in_thread(job_pk: int, apply: bool) -> None:
    try:
        job = ImportJob.objects.select_related("plan", "user", "organization").get(pk=job_pk)
        _run(job, apply=apply)
    except Exception:
        logger.exception("import job %s: the background run failed", job_pk)
    finally:
        connection.close()
        with _threads_lock:
            _threads.pop(job_pk, None)


def _run(job: ImportJob, *, apply: bool) -> None:
    expected = (job.check_report or {}).get("fingerprint") if apply else None
    try:
        report = importing.run_import(
            path=job.file.path,
            file_name=job.original_name,
            sha256=job.sha256,
            plan=job.plan,
            user=job.user,
            organization=job.organization,
            apply=apply,
            expected_fingerprint=expected,
            progress=_progress_writer(job),
        )
    except ImportFileError as error:
        _fail(job, error.message)
        return
    except Exception:
        logger.exception("import job %s (%s): unexpected error", job.pk, job.original_name)
        _fail(job, UNEXPECTED_FAILURE)
        return
    cache.set(job.progress_key, report.rows_read, PROGRESS_TIMEOUT)
    _finish(job, report, apply=apply)


def _progress_writer(job: ImportJob) -> Callable[[int], None]:
    last_write = 0.0

    def progress(rows: int) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write >= PROGRESS_INTERVAL:
            cache.set_many({job.progress_key: rows, _beat_key(job): time.time()}, PROGRESS_TIMEOUT)
            last_write = now

    return progress


def _finish(job: ImportJob, report: ImportReport, *, apply: bool) -> None:
    # A dry run, or an apply refused with problems (see the module docstring), goes back to CHECKED.
    record_import_report(job=job, report=report.as_json(), applied=apply and report.applied)


def _fail(job: ImportJob, message: str) -> None:
    record_import_failure(job=job, message=message)
