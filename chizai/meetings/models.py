"""Regional liaison meetings (地域・中小企業の知財支援に係る地域連絡会議), one block at a time."""

from __future__ import annotations

from django.db import models


class MeetingKind(models.TextChoices):
    REGULAR = "regular", "定例（年度1回）"
    EXTRAORDINARY = "extraordinary", "臨時"


class LiaisonMeeting(models.Model):
    """A regional liaison meeting of one block (地域連絡会議), hosted by its bureau, about once a year.

    JPO, the bureau, INPIT and the block's prefectures share progress and advanced practices; KPI
    revisions are reported here. The agenda is built from the data (`chizai.meetings.agenda`).
    """

    bureau = models.ForeignKey(
        "organizations.Organization",
        verbose_name="主催局（地域ブロック）",
        on_delete=models.PROTECT,
        related_name="liaison_meetings",
        limit_choices_to={"kind": "bureau"},
    )
    plan = models.ForeignKey("kpis.Plan", verbose_name="計画", on_delete=models.PROTECT, related_name="meetings")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種類", max_length=15, choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    title = models.CharField("名称", max_length=200)
    held_on = models.DateField("開催日")
    venue = models.CharField("会場", max_length=200, blank=True)
    minutes = models.TextField("議事録", blank=True)
    version = models.PositiveIntegerField("版", default=1)

    class Meta:
        verbose_name = "地域連絡会議"
        verbose_name_plural = "地域連絡会議"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """An organisation's attendance at a liaison meeting (出席)."""

    meeting = models.ForeignKey(
        LiaisonMeeting, verbose_name="会議", on_delete=models.CASCADE, related_name="attendances"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="関係主体", on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField("出席", default=True)
    attendees = models.CharField("出席者", max_length=300, blank=True)

    class Meta:
        verbose_name = "出席"
        verbose_name_plural = "出席"
        constraints = [models.UniqueConstraint(fields=["meeting", "organization"], name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.meeting} {self.organization}"


class Decision(models.Model):
    """A decision or agreed action of a meeting (決定事項), linked to a KPI revision or an improvement action."""

    meeting = models.ForeignKey(LiaisonMeeting, verbose_name="会議", on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField("内容")
    revision = models.ForeignKey(
        "kpis.KpiRevision",
        verbose_name="関連するKPIの見直し",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    evaluation = models.ForeignKey(
        "pdca.SelfEvaluation",
        verbose_name="関連する改善策（自己評価）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    sort_order = models.PositiveIntegerField("順序", default=0)

    class Meta:
        verbose_name = "決定事項"
        verbose_name_plural = "決定事項"
        ordering = ["meeting", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.text[:50]
