"""The writes of an import job's life (取込): uploaded, claimed for a run, checked or applied, failed.

The rows an import changes (KPIs, targets, actuals, evaluations) are written by chizai.kpis.actions; this module
writes only the ImportJob row itself, each step in one statement or one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from chizai.audit.log import log
from chizai.exchange.models import ImportJob, JobStatus
from chizai.kpis.models import Plan
from chizai.organizations.models import Organization
from chizai.organizations.types import AnyUser


@transaction.atomic
def create_import_job(
    *,
    stored_name: str,
    content: File,  # type: ignore[type-arg]  # generic in django-stubs only
    sha256: Any,
    original_name: str,
    size: int,
    plan: Plan,
    organization: Organization | None,
    user: AnyUser,
) -> ImportJob:
    """Store the uploaded file under `stored_name` with a new job, and audit the upload.

    `sha256` is the running hash the file fills while it is stored (its hexdigest is read afterwards).
    """
    if not user.is_authenticated or user.pk is None:
        raise PermissionDenied("ファイルを取り込むにはログインしてください。")
    job = ImportJob(
        user_id=int(user.pk), plan=plan, organization=organization, original_name=original_name[:255], size=size
    )
    job.file.save(stored_name, content, save=False)
    job.sha256 = sha256.hexdigest()
    job.save()
    log(user, "exchange.import.uploaded", job, None, _snapshot(job), plan_id=job.plan_id)
    return job


# Told to the user when the worker running their import died (killed, its server lost) — within seconds, not
# minutes: chizai.workers declares a worker dead when it stops beating or starts again under the same id.
INTERRUPTED = (
    "処理中にバックグラウンド処理のワーカーが停止したため、取込は中断されました（サーバーの再起動や障害など）。"
    "データは何も変更されていません。「もう一度実行」で同じファイルの処理をやり直せます。"
)


def claim_import_job(*, job: ImportJob, from_status: str, to_status: str, failure: str = "") -> bool:
    """Move the job from one status to the next unless someone else did first (one conditional UPDATE).

    Claiming a run starts it afresh: no worker yet, no rows done, not interrupted.
    """
    claimed = ImportJob.objects.filter(pk=job.pk, status=from_status).update(
        status=to_status, failure=failure, worker_id="", rows_done=0, progress_at=None, interrupted_at=None
    )
    if claimed:
        job.status, job.failure, job.worker_id, job.rows_done, job.interrupted_at = to_status, failure, "", 0, None
    return bool(claimed)


def record_import_task(*, job: ImportJob, task_id: str) -> None:
    """Name the task that will run the claimed job (its result is kept by the task backend)."""
    job.task_id = task_id[:64]
    ImportJob.objects.filter(pk=job.pk).update(task_id=job.task_id)


def start_import_run(*, job: ImportJob, worker_id: str) -> bool:
    """The worker that picked the task takes the job; False if the job is no longer waiting for it."""
    now = timezone.now()
    started = ImportJob.objects.filter(
        pk=job.pk, status__in=(JobStatus.CHECKING, JobStatus.APPLYING), worker_id=""
    ).update(worker_id=worker_id[:64], rows_done=0, progress_at=now)
    if started:
        job.worker_id, job.rows_done, job.progress_at = worker_id[:64], 0, now
    return bool(started)


def record_import_progress(*, job: ImportJob, rows: int) -> None:
    """Rows done so far, written while the run goes on (from its own connection: see chizai.exchange.jobs)."""
    ImportJob.objects.filter(
        pk=job.pk, worker_id=job.worker_id, status__in=(JobStatus.CHECKING, JobStatus.APPLYING)
    ).update(rows_done=rows, progress_at=timezone.now())


def record_import_report(*, job: ImportJob, report: dict[str, Any], applied: bool) -> bool:
    """Keep the run's report: an applied import's, or a dry run's (an apply refused with problems counts as one).

    Only the run that holds the job may: False when it no longer does (its worker was declared dead meanwhile).
    """
    now = timezone.now()
    ours = ImportJob.objects.filter(pk=job.pk, status=job.status, worker_id=job.worker_id)
    rows = int(report.get("rows_read") or 0)
    if applied:
        done = ours.update(apply_report=report, applied_at=now, status=JobStatus.APPLIED, rows_done=rows)
        job.apply_report, job.applied_at, job.status = report, now, JobStatus.APPLIED
    else:
        done = ours.update(check_report=report, checked_at=now, status=JobStatus.CHECKED, rows_done=rows)
        job.check_report, job.checked_at, job.status = report, now, JobStatus.CHECKED
    return bool(done)


def record_import_failure(*, job: ImportJob, message: str) -> bool:
    """The run failed with `message` (Japanese, for the user); False if the run no longer holds the job."""
    done = ImportJob.objects.filter(pk=job.pk, status=job.status, worker_id=job.worker_id).update(
        failure=message, status=JobStatus.FAILED
    )
    job.failure, job.status = message, JobStatus.FAILED
    return bool(done)


def interrupt_import_jobs(*, worker_ids: Collection[str]) -> int:
    """The runs of dead workers: failed with INTERRUPTED, and marked so that they can be run again."""
    return ImportJob.objects.filter(
        status__in=(JobStatus.CHECKING, JobStatus.APPLYING), worker_id__in=[w for w in worker_ids if w]
    ).update(status=JobStatus.FAILED, failure=INTERRUPTED, interrupted_at=timezone.now())


def reopen_interrupted_import_job(*, job: ImportJob, user: AnyUser) -> str | None:
    """Put an interrupted job back where its cut-off step starts; the status to run from, or None if not possible.

    The step cut off was the apply when the dry run had finished (its report is kept), else the dry run.
    """
    if not user.is_authenticated or user.pk != job.user_id:
        raise PermissionDenied("この取込をやり直せるのは、取り込んだ本人だけです。")
    back_to = JobStatus.CHECKED if job.check_report is not None else JobStatus.UPLOADED
    reopened = ImportJob.objects.filter(pk=job.pk, status=JobStatus.FAILED, interrupted_at__isnull=False).update(
        status=back_to, failure="", interrupted_at=None
    )
    if not reopened:
        return None
    job.status, job.failure, job.interrupted_at = back_to, "", None
    return back_to


def _snapshot(job: ImportJob) -> dict[str, Any]:
    return {
        "original_name": job.original_name,
        "sha256": job.sha256,
        "size": job.size,
        "plan": job.plan,
        "organization": job.organization,
    }
