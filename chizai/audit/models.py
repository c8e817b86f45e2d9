"""The audit log (変更履歴): who changed which plan data, when, from what to what."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from chizai.audit import display
from chizai.organizations.permissions import is_jpo_admin
from chizai.organizations.types import AnyUser

APPEND_ONLY = "変更履歴は追記のみです。記録済みの項目は変更も削除もできません。"


class AppendOnlyError(Exception):
    """An attempt to change or remove a recorded audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def visible_to(self, user: AnyUser) -> AuditEntryQuerySet:
        """The whole log for JPO administrators (and superusers); nothing for anyone else."""
        return self.all() if is_jpo_admin(user) or getattr(user, "is_superuser", False) else self.none()

    def for_kpi(self, kpi_id: int) -> AuditEntryQuerySet:
        return self.changes().filter(kpi_id=kpi_id).select_related("actor").order_by("-at", "-pk")

    def changes(self) -> AuditEntryQuerySet:
        """Recorded changes, without the records of who viewed or exported what."""
        return self.filter(kind=AuditEntry.Kind.CHANGE)

    def update(self, **kwargs: Any) -> int:
        # Deleting a user clears the `actor` link (on_delete=SET_NULL); the name stays in the chained actor_label.
        if kwargs.keys() == {"actor"} and kwargs["actor"] is None:
            return super().update(**kwargs)
        raise AppendOnlyError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY)


class AuditEntry(models.Model):
    """One recorded change of plan data (変更履歴): actor, time, action code, object, old → new values.

    `changes` maps each changed field to [old, new]; a creation has old None, a deletion new None.
    `kpi_id` is kept so that a KPI page lists its whole history with one query.
    An access entry (閲覧・出力の記録) says who viewed or exported which company data; it has no changes.
    Entries are append-only and hash-chained (chizai.audit.chain); only chizai.audit.log writes them.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", "変更"
        ACCESS = "access", "閲覧・出力"

    # Set by the writer before the hash is computed (not auto_now_add, which would set it after).
    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="実行者", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("実行者名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("対象の種類", max_length=64)
    object_id = models.CharField("対象ID", max_length=64)
    object_repr = models.CharField("対象", max_length=300)
    kpi_id = models.BigIntegerField("KPI", null=True, blank=True, db_index=True)
    plan_id = models.BigIntegerField("計画", null=True, blank=True, db_index=True)
    changes = models.JSONField("変更内容", default=dict)
    reason = models.TextField("理由", blank=True)
    request_id = models.CharField("リクエストID", max_length=32, blank=True, db_index=True)
    kind = models.CharField("種類", max_length=8, choices=Kind.choices, default=Kind.CHANGE)
    previous_hash = models.CharField("直前の項目のハッシュ", max_length=64, blank=True)
    entry_hash = models.CharField("ハッシュ", max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "変更履歴"
        verbose_name_plural = "変更履歴"
        ordering = ["-at", "-pk"]
        # The newest change, apart from the access records, in one index seek (chizai.audit.generation).
        indexes = [models.Index(fields=["kind", "id"], name="audit_kind_id_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY)

    @property
    def action_label(self) -> str:
        """What happened, in Japanese (「実績の更新」): see chizai.audit.display."""
        return display.action_label(self)

    @property
    def change_rows(self) -> list[display.ChangeRow]:
        """(label, old, new) as the pages show them, never code names: see chizai.audit.display."""
        return display.change_rows(self)


class AuditChainHead(models.Model):
    """The end of the audit chain (変更履歴の末尾): one row, locked by each writer while it appends.

    Locking this row (SELECT … FOR UPDATE) makes concurrent writers append one after another on PostgreSQL;
    SQLite's IMMEDIATE transactions already serialize them.
    """

    last_hash = models.CharField("末尾のハッシュ", max_length=64)
    entries = models.BigIntegerField("件数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "変更履歴の末尾"

    def __str__(self) -> str:
        return f"{self.entries}件 {self.last_hash}"
