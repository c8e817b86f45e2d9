"""The audit log (変更履歴): who changed which plan data, when, from what to what."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

# Japanese labels for the fields that appear in change records (the history shows these, not code names).
FIELD_LABELS = {
    "value": "値",
    "numerator": "該当数（分子）",
    "denominator": "対象数（分母）",
    "source": "出所",
    "note": "注記",
    "text": "評価",
    "name": "名称",
    "kind": "種類",
    "unit": "単位",
    "shape": "型",
    "direction": "方向",
    "period_basis": "期間の単位",
    "decimals": "達成率の小数桁数",
    "owner": "関係主体",
    "parent": "内数の元",
    "baseline_value": "基準値",
    "baseline_year": "基準年",
    "measurable": "数値で測定可能",
    "first_fiscal_year": "開始年度",
    "last_fiscal_year": "終了年度",
    "published": "策定",
    "status": "状態",
    "effective_year": "適用開始年度",
    "new_name": "新指標名",
    "new_baseline_value": "新基準値",
    "target_changes": "目標の変更",
    "vision_change": "見直しの理由",
    "previous_followup": "前回の改善策の対応状況",
    "activities": "取組状況",
    "issues": "課題",
    "improvements": "今後の取組・改善策",
    "advanced_practice": "先進的な取組",
    "rating": "自己評価",
    "reason": "理由",
    "minutes": "議事録",
    "title": "名称",
    "held_on": "開催日",
    "venue": "会場",
    "attended": "出席",
}
VALUE_LABELS = {
    "source": {
        "plan": "計画文書",
        "entered": "画面入力",
        "imported": "取込",
        "computed": "記録から集計",
        "demo": "デモ",
    },
}


ACTION_VERBS = {
    "created": "追加",
    "updated": "更新",
    "deleted": "削除",
    "saved": "保存",
    "proposed": "提案",
    "reported": "報告・適用",
    "withdrawn": "取下げ",
    "submitted": "提出",
    "reviewed": "局確認",
    "accepted": "受理",
    "returned": "差戻し",
    "reopened": "再開",
}


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
        verb = self.action.rsplit(".", 1)[-1]
        return ACTION_VERBS.get(verb, self.action)

    @property
    def change_rows(self) -> list[tuple[str, Any, Any]]:
        """(label, old, new) for display, with code values shown in Japanese."""
        rows = []
        for field, (old, new) in sorted(self.changes.items()):
            values = VALUE_LABELS.get(field, {})
            rows.append((FIELD_LABELS.get(field, field), _shown(values, old), _shown(values, new)))
        return rows


def _shown(labels: dict[str, str], value: Any) -> Any:
    """A code value in Japanese; lists and mappings (JSON fields) as they are."""
    return labels.get(value, value) if isinstance(value, str) else value
