"""A document made in the background (帳票の作成): the national compilation takes longer than a page may wait."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from chizai.organizations.types import AnyUser


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "順番待ち"
    RUNNING = "running", "作成中"
    DONE = "done", "作成済み"
    FAILED = "failed", "エラー"
    EXPIRED = "expired", "期限切れ"


class DocumentJobQuerySet(models.QuerySet["DocumentJob"]):
    def visible_to(self, user: AnyUser) -> DocumentJobQuerySet:
        """The permission chokepoint: a document belongs to the user who asked for it, and to no one else (it was
        made with that user's rights; another user asks for their own)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)


class DocumentJob(models.Model):
    """One document asked for from its page (帳票の作成依頼), made by a task worker and kept under the uploads
    directory every server reads, until its owner downloads it."""

    token = models.UUIDField("識別子", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="依頼者", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("帳票", max_length=30)
    fmt = models.CharField("形式", max_length=4)
    period = models.ForeignKey(
        "pdca.ReportingPeriod",
        verbose_name="報告期間",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField("表題", max_length=200)
    file = models.FileField("ファイル", upload_to="documents/%Y/%m/", blank=True)
    download_name = models.CharField("ファイル名", max_length=200, blank=True)
    status = models.CharField("状態", max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    stage = models.CharField("進み具合", max_length=40, blank=True)
    failure = models.TextField("エラー内容", blank=True)
    task_id = models.CharField("タスクID", max_length=64, blank=True)
    worker_id = models.CharField("処理したワーカー", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    objects = DocumentJobQuerySet.as_manager()

    class Meta:
        verbose_name = "帳票の作成"
        verbose_name_plural = "帳票の作成"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.fmt}）"

    @property
    def running(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.RUNNING)

    @property
    def state_label(self) -> str:
        """The job's state in the list of a user's documents: 作成中, 完成, 中断 (failed or cut off), 期限切れ."""
        if self.running:
            return "作成中"
        if self.status == DocumentStatus.DONE:
            return "完成"
        return "期限切れ" if self.status == DocumentStatus.EXPIRED else "中断"
