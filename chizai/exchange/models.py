"""Import jobs: an uploaded file, its dry-run report and, once applied, what it changed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from chizai.organizations.permissions import sees_everything
from chizai.organizations.types import AnyUser


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", "受付"
    CHECKING = "checking", "確認中"
    CHECKED = "checked", "確認済み（未反映）"
    APPLYING = "applying", "反映中"
    APPLIED = "applied", "反映済み"
    FAILED = "failed", "エラー"


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user: AnyUser) -> ImportJobQuerySet:
        """Jobs the user may see (the permission chokepoint for imports): their own, and every job for JPO."""
        if not user.is_authenticated:
            return self.none()
        jobs = self.select_related("plan", "organization", "user")
        return jobs if sees_everything(user) else jobs.filter(user_id=user.pk)


class ImportJob(models.Model):
    """One uploaded file on its way in: checked first (dry run), then applied in one transaction.

    The file is kept with the job so the audit trail can name it (file name and SHA-256), and the two
    reports are stored as JSON (see `chizai.exchange.report.ImportReport.as_json`). Each run is a task
    (chizai.exchange.jobs) run by a worker: the job names the task and the worker, and holds the run's progress,
    so every web server shows the same progress and a run whose worker died is told apart from a slow one.
    """

    token = models.UUIDField("識別子", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="取込者", on_delete=models.PROTECT, related_name="import_jobs"
    )
    plan = models.ForeignKey("kpis.Plan", verbose_name="計画", on_delete=models.PROTECT, related_name="import_jobs")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="取込先の関係主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_jobs",
        help_text="指定した場合、ファイルの都道府県欄が空の行はこの関係主体のものとして扱い、他の関係主体の行は取り込みません。",
    )
    file = models.FileField("ファイル", upload_to="imports/%Y/%m/")
    original_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    status = models.CharField("状態", max_length=10, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    check_report = models.JSONField("確認結果", null=True, blank=True)
    apply_report = models.JSONField("反映結果", null=True, blank=True)
    failure = models.TextField("エラー内容", blank=True)
    created_at = models.DateTimeField("受付日時", auto_now_add=True)
    checked_at = models.DateTimeField("確認日時", null=True, blank=True)
    applied_at = models.DateTimeField("反映日時", null=True, blank=True)
    task_id = models.CharField("タスクID", max_length=64, blank=True)
    worker_id = models.CharField("処理したワーカー", max_length=64, blank=True, db_index=True)
    rows_done = models.PositiveIntegerField("処理済みの行数", default=0)
    progress_at = models.DateTimeField("進捗の更新日時", null=True, blank=True)
    interrupted_at = models.DateTimeField(
        "中断日時", null=True, blank=True, help_text="処理中のワーカーが停止し、取込が中断された日時。"
    )

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "取込"
        verbose_name_plural = "取込"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.CHECKING, JobStatus.APPLYING)

    @property
    def can_retry(self) -> bool:
        """A run cut off by its worker's death wrote nothing and may simply be run again."""
        return self.status == JobStatus.FAILED and self.interrupted_at is not None
