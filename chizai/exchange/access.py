"""The permission chokepoint for import jobs: the import pages fetch and decide through here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from chizai.exchange.models import ImportJob
from chizai.organizations.permissions import can_edit_organization
from chizai.organizations.types import AnyUser

NOT_THE_UPLOADER = "取込を反映できるのは、ファイルを取り込んだ本人だけです。"
NO_RIGHT_TO_THE_ORGANIZATION = "この関係主体のデータを変更する権限がありません。"


def get_import_job_for_user(user: AnyUser, pk: int, *, write: bool = False) -> ImportJob:
    """The job if the user may see it (404 otherwise), and may apply it when `write` (403 otherwise)."""
    job = ImportJob.objects.visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404("取込が見つかりません。")
    if write:
        if job.user_id != user.pk:
            raise PermissionDenied(NOT_THE_UPLOADER)
        if job.organization is not None and not can_edit_organization(user, job.organization):
            raise PermissionDenied(NO_RIGHT_TO_THE_ORGANIZATION)
    return job


def can_apply_import(user: AnyUser, job: ImportJob) -> bool:
    """Whether the user may apply the job: the uploader, still allowed to change the organisation's data."""
    if job.user_id != user.pk:
        return False
    return job.organization is None or can_edit_organization(user, job.organization)
