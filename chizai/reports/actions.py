"""The writes of a document made in the background (帳票の作成): asked for, taken by a worker, progressed, stored,
failed, interrupted. Each step is one statement (or one short transaction), as the import jobs' are."""

from __future__ import annotations

import datetime
from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from chizai.organizations.types import AnyUser
from chizai.pdca.models import ReportingPeriod
from chizai.reports.models import DocumentJob, DocumentStatus

INTERRUPTED = (
    "作成中にバックグラウンド処理のワーカーが停止したため、帳票の作成は中断されました（サーバーの再起動や障害など）。"
    "もう一度「作成」を押してください。"
)


def create_document_job(*, user: AnyUser, kind: str, fmt: str, period: ReportingPeriod, title: str) -> DocumentJob:
    """A new request of `user` for a document; the caller has checked that the user may read it."""
    if not user.is_authenticated or user.pk is None:
        raise PermissionDenied("帳票を作成するにはログインしてください。")
    return DocumentJob.objects.create(user_id=int(user.pk), kind=kind, fmt=fmt, period=period, title=title[:200])


def record_document_task(*, job: DocumentJob, task_id: str) -> None:
    job.task_id = task_id[:64]
    DocumentJob.objects.filter(pk=job.pk).update(task_id=job.task_id)


def start_document_run(*, job: DocumentJob, worker_id: str) -> bool:
    """The worker that picked the task takes the job; False if it is no longer waiting (another run took it)."""
    started = DocumentJob.objects.filter(pk=job.pk, status=DocumentStatus.QUEUED).update(
        status=DocumentStatus.RUNNING, worker_id=worker_id[:64], stage="集計中"
    )
    if started:
        job.status, job.worker_id, job.stage = DocumentStatus.RUNNING, worker_id[:64], "集計中"
    return bool(started)


def record_document_stage(*, job: DocumentJob, stage: str) -> None:
    """What the run is doing now (集計中, レイアウト中…), for the page that polls."""
    DocumentJob.objects.filter(pk=job.pk, status=DocumentStatus.RUNNING, worker_id=job.worker_id).update(stage=stage)


@transaction.atomic
def record_document_file(*, job: DocumentJob, content: bytes, download_name: str) -> bool:
    """Store the made document with its job (DONE); False if the run no longer holds the job (nothing kept)."""
    ours = DocumentJob.objects.select_for_update().filter(
        pk=job.pk, status=DocumentStatus.RUNNING, worker_id=job.worker_id
    )
    if not ours.exists():
        return False
    job.file.save(f"{job.token}.{job.fmt}", ContentFile(content), save=False)
    job.download_name, job.status, job.stage, job.finished_at = download_name, DocumentStatus.DONE, "", timezone.now()
    job.save(update_fields=["file", "download_name", "status", "stage", "finished_at"])
    return True


def record_document_failure(*, job: DocumentJob, message: str) -> None:
    DocumentJob.objects.filter(pk=job.pk, status=DocumentStatus.RUNNING, worker_id=job.worker_id).update(
        status=DocumentStatus.FAILED, failure=message, stage="", finished_at=timezone.now()
    )
    job.status, job.failure = DocumentStatus.FAILED, message


def interrupt_document_jobs(*, worker_ids: Collection[str]) -> int:
    """The runs of dead workers: failed with INTERRUPTED (the user asks again; nothing was stored)."""
    return DocumentJob.objects.filter(status=DocumentStatus.RUNNING, worker_id__in=[w for w in worker_ids if w]).update(
        status=DocumentStatus.FAILED, failure=INTERRUPTED, stage="", finished_at=timezone.now()
    )


def expire_document_files(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete the files of the documents made more than `days` (CHIZAI_DOCUMENT_RETENTION_DAYS) ago; their jobs
    say 期限切れ (EXPIRED) and their pages offer to make the document again. Returns how many expired.

    The row is marked first, then the file deleted: a file that cannot be deleted is left behind, never a job that
    offers a file it no longer has."""
    days = settings.CHIZAI_DOCUMENT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    expired = 0
    for job in DocumentJob.objects.filter(status=DocumentStatus.DONE, finished_at__lt=cutoff).only("pk", "file"):
        name = job.file.name
        if not DocumentJob.objects.filter(pk=job.pk, status=DocumentStatus.DONE).update(
            status=DocumentStatus.EXPIRED, file="", stage=""
        ):
            continue  # another run expired it meanwhile
        expired += 1
        if name:
            job.file.storage.delete(name)
    return expired
