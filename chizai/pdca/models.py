"""The half-yearly PDCA cycle: self-evaluations (自己評価), their review up the chain, deadlines, reminders."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from chizai.lib.fiscal import Half, half_label
from chizai.organizations.permissions import organizations_where, scope_filter, sees_everything
from chizai.organizations.types import AnyUser
from chizai.workflow import workflow_of

TEXT_MAX_LENGTH = 4000
"""The longest free text of a self-evaluation (取組状況, 課題 …, a rating's reason, a workflow comment)."""


class Rating(models.TextChoices):
    A = "A", "A（目標を達成）"
    B = "B", "B（おおむね達成）"
    C = "C", "C（一部未達）"
    D = "D", "D（大きく未達）"


class RatingScale(models.Model):
    """Achievement-rate thresholds behind the suggested self-rating (A/B/C/D), one row for the system.

    A rate at or above `a_from` suggests A, at or above `b_from` B, at or above `c_from` C, else D.
    """

    a_from = models.DecimalField("A の下限（達成率%）", max_digits=6, decimal_places=1, default=Decimal(100))
    b_from = models.DecimalField("B の下限（達成率%）", max_digits=6, decimal_places=1, default=Decimal(80))
    c_from = models.DecimalField("C の下限（達成率%）", max_digits=6, decimal_places=1, default=Decimal(60))

    class Meta:
        verbose_name = "自己評価の目安（達成率のしきい値）"
        verbose_name_plural = "自己評価の目安（達成率のしきい値）"

    def __str__(self) -> str:
        return f"A≥{self.a_from}% B≥{self.b_from}% C≥{self.c_from}%"

    @classmethod
    def current(cls) -> RatingScale:
        scale = cls.objects.order_by("pk").first()
        return scale if scale is not None else cls()

    def suggest(self, achievement: Decimal | None) -> str:
        """The rating suggested by an achievement rate; "" when there is no rate to judge by."""
        if achievement is None:
            return ""
        if achievement >= self.a_from:
            return Rating.A
        if achievement >= self.b_from:
            return Rating.B
        if achievement >= self.c_from:
            return Rating.C
        return Rating.D


class ReportingPeriod(models.Model):
    """A half year of a plan for which every body evaluates itself (報告期間), with its due date."""

    plan = models.ForeignKey("kpis.Plan", verbose_name="計画", on_delete=models.CASCADE, related_name="periods")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    half = models.CharField("半期", max_length=2, choices=[(h.value, h.label) for h in Half])
    due_date = models.DateField("提出期限")

    class Meta:
        verbose_name = "報告期間"
        verbose_name_plural = "報告期間"
        ordering = ["plan", "fiscal_year", "half"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year", "half"], name="unique_reporting_period"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} {self.label}"

    @property
    def label(self) -> str:
        return half_label(self.fiscal_year, Half(self.half))

    @property
    def short_label(self) -> str:
        return f"{self.fiscal_year}年度{Half(self.half).label}"

    @property
    def key(self) -> str:
        """The half year named without its row: 3-2025H1 (plan 3, 2025年度上期)."""
        return f"{self.plan.number}-{self.fiscal_year}{self.half}"

    @property
    def param(self) -> str:
        """How links name the period: its number once stored, else its key (see chizai.pdca.listing)."""
        return str(self.pk) if self.pk is not None else self.key

    def previous(self) -> ReportingPeriod | None:
        """The half year before this one within the same plan (its 改善策 are carried forward)."""
        if self.half == Half.SECOND:
            year, half = self.fiscal_year, Half.FIRST
        else:
            year, half = self.fiscal_year - 1, Half.SECOND
        return ReportingPeriod.objects.filter(plan_id=self.plan_id, fiscal_year=year, half=half).first()


class Status(models.TextChoices):
    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "提出済み（局の確認待ち）"
    REVIEWED = "reviewed", "局確認済み（特許庁の受理待ち）"
    ACCEPTED = "accepted", "受理"
    RETURNED = "returned", "差戻し"
    REOPENED = "reopened", "再開（修正中）"


EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED, Status.REOPENED)


class SelfEvaluationQuerySet(models.QuerySet["SelfEvaluation"]):
    def visible_to(self, user: AnyUser) -> SelfEvaluationQuerySet:
        """Evaluations the user may see: the own organisation's in any state; others' once they left draft.

        So nobody sees another body's drafts; a bureau sees its block's, JPO everyone's.
        """
        if not user.is_authenticated:
            return self.none()
        own = Q(organization__in=organizations_where(user))
        shared = ~Q(status=Status.DRAFT)
        if getattr(user, "is_superuser", False):
            return self
        if sees_everything(user):
            return self.filter(own | shared)
        return self.filter(own | (shared & scope_filter(user, field="organization")))


class SelfEvaluation(models.Model):
    """An organisation's self-evaluation for one half year (半期ごとの自己評価).

    The KPI table is not typed in: it is computed from the KPI data until acceptance, then frozen as
    snapshots. The texts are the organisation's own words. `status` moves only through
    `chizai.workflow.transition()`, by the transition table in `chizai.pdca.rules`.
    """

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="報告期間", on_delete=models.PROTECT, related_name="evaluations"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="関係主体", on_delete=models.PROTECT, related_name="self_evaluations"
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    previous_improvements = models.TextField("前回の改善策", blank=True)
    previous_followup = models.TextField("前回の改善策の対応状況", blank=True)
    activities = models.TextField("取組状況", blank=True)
    issues = models.TextField("課題", blank=True)
    improvements = models.TextField("今後の取組・改善策", blank=True)
    advanced_practice = models.TextField(
        "先進的な取組（地域連絡会議で共有）",
        blank=True,
        help_text="他の自治体と共有したい先進的な取組があれば記入します。",
    )
    version = models.PositiveIntegerField("版", default=1)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    accepted_at = models.DateTimeField("受理日時", null=True, blank=True)

    objects = SelfEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "自己評価"
        verbose_name_plural = "自己評価"
        ordering = ["period", "organization__sort_order", "organization__jis_code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "organization"], name="unique_self_evaluation"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period.short_label} 自己評価"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def status_label(self) -> str:
        """The state as this evaluation's readers say it (a central body's submission waits for JPO)."""
        return workflow_of(self).status_label(self)

    @property
    def needs_bureau_review(self) -> bool:
        """Regional bodies go through their bureau; central bodies go straight to JPO."""
        return self.organization.bureau_id is not None

    @staticmethod
    def field_label(name: str) -> str:
        """The Japanese heading of one of the evaluation's fields (取組状況 …)."""
        field = SelfEvaluation._meta.get_field(name)
        return str(field.verbose_name) if isinstance(field, models.Field) else name

    @staticmethod
    def field_help(name: str) -> str:
        field = SelfEvaluation._meta.get_field(name)
        return str(field.help_text) if isinstance(field, models.Field) else ""

    def snapshot(self) -> dict[str, Any]:
        fields = ("status", "previous_followup", "activities", "issues", "improvements", "advanced_practice")
        return {f: getattr(self, f) for f in fields}


class KpiRating(models.Model):
    """The self-rating (A/B/C/D) of one KPI in a self-evaluation; blank means the suggested one is kept."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="自己評価", on_delete=models.CASCADE, related_name="ratings"
    )
    kpi = models.ForeignKey("kpis.Kpi", verbose_name="KPI", on_delete=models.CASCADE, related_name="+")
    rating = models.CharField("自己評価", max_length=1, choices=Rating.choices, blank=True)
    reason = models.TextField("目安と異なる評価の理由", blank=True)

    class Meta:
        verbose_name = "KPIの自己評価"
        verbose_name_plural = "KPIの自己評価"
        constraints = [models.UniqueConstraint(fields=["evaluation", "kpi"], name="unique_kpi_rating")]

    def __str__(self) -> str:
        return f"{self.kpi} {self.rating}"


class Transition(models.Model):
    """One move of a self-evaluation through the workflow (提出・確認・受理・差戻し・再開), with its comment."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="自己評価", on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField("変更前", max_length=10, choices=Status.choices)
    to_status = models.CharField("変更後", max_length=10, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="実行者", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name="実行者の所属",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField("コメント", blank=True)
    at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "状態の変更"
        verbose_name_plural = "状態の変更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.evaluation}: {self.from_label} → {self.to_label}"

    @property
    def from_label(self) -> str:
        return workflow_of(SelfEvaluation).status_label(self.evaluation, self.from_status)

    @property
    def to_label(self) -> str:
        return workflow_of(SelfEvaluation).status_label(self.evaluation, self.to_status)


class SnapshotValue(models.Model):
    """A KPI figure as it stood when JPO accepted a self-evaluation (受理時点の値), kept to show later changes."""

    evaluation = models.ForeignKey(
        SelfEvaluation, verbose_name="自己評価", on_delete=models.CASCADE, related_name="snapshot_values"
    )
    kpi = models.ForeignKey("kpis.Kpi", verbose_name="KPI", on_delete=models.CASCADE, related_name="+")
    start_year = models.PositiveSmallIntegerField("開始年（年度）")
    end_year = models.PositiveSmallIntegerField("終了年（年度）")
    half = models.CharField("半期", max_length=2)
    value = models.DecimalField("値", max_digits=14, decimal_places=2, null=True)
    numerator = models.DecimalField("該当数", max_digits=14, decimal_places=2, null=True)
    denominator = models.DecimalField("対象数", max_digits=14, decimal_places=2, null=True)
    accepted_at = models.DateTimeField("受理日時")

    class Meta:
        verbose_name = "受理時点の値"
        verbose_name_plural = "受理時点の値"
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "kpi", "start_year", "end_year", "half"], name="unique_snapshot_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.start_year} {self.half}: {self.value}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "提出期限が近づいています"
    OVERDUE = "overdue", "提出期限を過ぎています"
    RETURNED = "returned", "差し戻されました"


class ReminderLog(models.Model):
    """A reminder e-mail already sent, so a daily cron run never sends the same one twice."""

    period = models.ForeignKey(ReportingPeriod, verbose_name="報告期間", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="関係主体", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("種類", max_length=10, choices=ReminderKind.choices)
    key = models.CharField(
        "識別子", max_length=64, blank=True, help_text="同じ種類で複数回送る場合の区別（差戻しの回など）"
    )
    sent_at = models.DateTimeField("送信日時", auto_now_add=True)
    recipients = models.TextField("宛先", blank=True)

    class Meta:
        verbose_name = "リマインダー送信記録"
        verbose_name_plural = "リマインダー送信記録"
        constraints = [
            models.UniqueConstraint(fields=["period", "organization", "kind", "key"], name="unique_reminder"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.period.short_label} {self.get_kind_display()}"


def default_due_date(fiscal_year: int, half: str) -> datetime.date:
    """上期 by the end of October, 下期 by the end of April after the year (ensure_periods moves it back to a
    business day)."""
    if half == Half.FIRST:
        return datetime.date(fiscal_year, 10, 31)
    return datetime.date(fiscal_year + 1, 4, 30)
