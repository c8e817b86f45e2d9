"""The writes of an import job's life (取込): uploaded, claimed for a run, checked or applied, failed.

The rows an import changes (KPIs, targets, actuals, evaluations) are written by chizai.kpis.actions; this module
writes only the ImportJob row itself, each step in one statement or one transaction.
"""

from __future__ import annotations

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


def claim_import_job(*, job: ImportJob, from_status: str, to_status: str, failure: str = "") -> bool:
    """Move the job from one status to the next unless someone else did first (one conditional UPDATE)."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=from_status).update(status=to_status, failure=failure)
    if claimed:
        job.status, job.failure = to_status, failure
    return bool(claimed)


def record_import_report(*, job: ImportJob, report: dict[str, Any], applied: bool) -> None:
    """Keep the run's report: an applied import's, or a dry run's (an apply refused with problems counts as one)."""
    now = timezone.now()
    if applied:
        job.apply_report, job.applied_at, job.status = report, now, JobStatus.APPLIED
        job.save(update_fields=["apply_report", "applied_at", "status"])
        return
    job.check_report, job.checked_at, job.status = report, now, JobStatus.CHECKED
    job.save(update_fields=["check_report", "checked_at", "status"])


def record_import_failure(*, job: ImportJob, message: str) -> None:
    job.failure, job.status = message, JobStatus.FAILED
    job.save(update_fields=["failure", "status"])


def _snapshot(job: ImportJob) -> dict[str, Any]:
    return {
        "original_name": job.original_name,
        "sha256": job.sha256,
        "size": job.size,
        "plan": job.plan,
        "organization": job.organization,
    }
