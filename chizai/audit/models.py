"""The audit log (変更履歴): who changed which plan data, when, from what to what."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from chizai.audit import display


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def for_kpi(self, kpi_id: int) -> AuditEntryQuerySet:
        return self.filter(kpi_id=kpi_id).select_related("actor").order_by("-at", "-pk")


class AuditEntry(models.Model):
    """One recorded change of plan data (変更履歴): actor, time, action code, object, old → new values.

    `changes` maps each changed field to [old, new]; a creation has old None, a deletion new None.
    `kpi_id` is kept so that a KPI page lists its whole history with one query.
    """

    at = models.DateTimeField("日時", auto_now_add=True, db_index=True)
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

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "変更履歴"
        verbose_name_plural = "変更履歴"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        """What happened, in Japanese (「実績の更新」): see chizai.audit.display."""
        return display.action_label(self)

    @property
    def change_rows(self) -> list[display.ChangeRow]:
        """(label, old, new) as the pages show them, never code names: see chizai.audit.display."""
        return display.change_rows(self)
