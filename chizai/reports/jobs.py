"""Documents made by a task worker: the national compilation (取りまとめ) asked for from its page.

The page enqueues (`request_compilation`), any worker runs `make_document`, the job's row holds the state and the
stage every web server shows, and the file lands under the uploads directory every server reads. The owner
downloads it from the job's page; nobody else can. The task computes with the owner's rights, through the same
permission getters as the page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.tasks import TaskContext, task
from django.utils import timezone

from chizai.organizations.types import AnyUser
from chizai.pdca.compilation import compilation_scope
from chizai.pdca.models import ReportingPeriod
from chizai.reports import builders
from chizai.reports.actions import (
    create_document_job,
    record_document_failure,
    record_document_file,
    record_document_stage,
    record_document_task,
    start_document_run,
)
from chizai.reports.models import DocumentJob
from chizai.reports.render import render

logger = logging.getLogger(__name__)

UNEXPECTED_FAILURE = "帳票の作成中に予期しないエラーが発生しました。時間をおいてもう一度お試しください。"


def request_compilation(*, user: AnyUser, period: ReportingPeriod, fmt: str) -> DocumentJob:
    """Queue the compilation of `period` as `fmt` for `user` (refused, PermissionDenied, if they may not read it).

    The job and its task are committed together, so a job never waits for a task that does not exist."""
    scope = compilation_scope(user)
    title = f"取りまとめ_{period.short_label}" + (
        "" if scope.national else "_" + "・".join(b.block_name for b in scope.bureaus)
    )
    with transaction.atomic():
        job = create_document_job(user=user, kind="compilation", fmt=fmt, period=period, title=title)
        result = make_document.enqueue(job.pk)
        record_document_task(job=job, task_id=str(result.id))
    job.refresh_from_db()
    return job


@task(takes_context=True)
def make_document(context: TaskContext[Any, Any], job_pk: int) -> str:
    """The task: make the document of job `job_pk` in this worker; returns the job's status afterwards."""
    job = DocumentJob.objects.select_related("user", "period__plan").get(pk=job_pk)
    worker_ids = context.task_result.worker_ids
    if not start_document_run(job=job, worker_id=worker_ids[-1] if worker_ids else "?"):
        logger.warning("document job %s: not waiting for a run (%s); task skipped", job.pk, job.status)
        return str(job.status)
    try:
        assert job.period is not None
        today = timezone.localdate()
        document = builders.compilation_document(job.period, job.user, today)
        record_document_stage(job=job, stage="レイアウト中" if job.fmt == "pdf" else "Wordに出力中")
        content = render(document, job.fmt)
        record_document_file(job=job, content=content, download_name=f"{job.title}_{document.as_of:%Y%m%d}.{job.fmt}")
    except (OperationalError, InterfaceError):
        raise  # the database went away: the worker declares this run cut off (中断) once it answers again
    except Exception:
        logger.exception("document job %s (%s): unexpected error", job.pk, job.title)
        record_document_failure(job=job, message=UNEXPECTED_FAILURE)
    return str(job.status)
