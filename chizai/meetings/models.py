"""Regional liaison meetings (地域・中小企業の知財支援に係る地域連絡会議), one block at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from chizai.lib.date_labels import date_label
from chizai.organizations.models import OrganizationKind
from chizai.organizations.permissions import CENTRAL_KINDS, organizations_where, sees_everything

if TYPE_CHECKING:
    from chizai.organizations.types import AnyUser

# The longest free texts a meeting's record holds; longer input is refused with a Japanese message.
TITLE_MAX_LENGTH = 200
VENUE_MAX_LENGTH = 200
MINUTES_MAX_LENGTH = 20000
DECISION_MAX_LENGTH = 4000
ATTENDEES_MAX_LENGTH = 300


class MeetingKind(models.TextChoices):
    REGULAR = "regular", "定例（年度1回）"
    EXTRAORDINARY = "extraordinary", "臨時"


class LiaisonMeetingQuerySet(models.QuerySet["LiaisonMeeting"]):
    def visible_to(self, user: AnyUser) -> LiaisonMeetingQuerySet:
        """JPO and INPIT (which attends every meeting) see all meetings; everyone else their own block's."""
        if not user.is_authenticated:
            return self.none()
        own = organizations_where(user)
        if sees_everything(user) or any(o.kind in CENTRAL_KINDS for o in own):
            return self
        blocks = {o.pk if o.kind == OrganizationKind.BUREAU else o.bureau_id for o in own} - {None}
        return self.filter(bureau_id__in=blocks)


class LiaisonMeeting(models.Model):
    """A regional liaison meeting of one block (地域連絡会議), hosted by its bureau, about once a year.

    JPO, the bureau, INPIT and the block's prefectures share progress and advanced practices; KPI
    revisions are reported here. The agenda is built from the data (`chizai.meetings.agenda`); once the meeting
    has been held and its minutes recorded, the agenda is kept as it stood on its date (`AgendaSnapshot`).
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
    title = models.CharField("名称", max_length=TITLE_MAX_LENGTH)
    held_on = models.DateField("開催日")
    venue = models.CharField("会場", max_length=VENUE_MAX_LENGTH, blank=True)
    minutes = models.TextField("議事録", max_length=MINUTES_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField("版", default=1)

    objects = LiaisonMeetingQuerySet.as_manager()

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
    attendees = models.CharField("出席者", max_length=ATTENDEES_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = "出席"
        verbose_name_plural = "出席"
        constraints = [models.UniqueConstraint(fields=["meeting", "organization"], name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.meeting} {self.organization}"


class Decision(models.Model):
    """A decision or agreed action of a meeting (決定事項), linked to a KPI revision or an improvement action."""

    meeting = models.ForeignKey(LiaisonMeeting, verbose_name="会議", on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField("内容", max_length=DECISION_MAX_LENGTH)
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


class AgendaSnapshot(models.Model):
    """The agenda (議題・資料) of a held meeting as it stood on the meeting's date (開催日時点の資料).

    Taken when the minutes of a held meeting are first recorded, so that the meeting page keeps showing what
    was discussed, whatever the data becomes afterwards. `content` is `chizai.meetings.agenda.AgendaRecord`
    as JSON.
    """

    meeting = models.OneToOneField(
        LiaisonMeeting, verbose_name="会議", on_delete=models.CASCADE, related_name="agenda_snapshot"
    )
    as_of = models.DateField("時点")
    content = models.JSONField("内容")
    taken_at = models.DateTimeField("保存日時", auto_now_add=True)

    class Meta:
        verbose_name = "議題の記録"
        verbose_name_plural = "議題の記録"

    def __str__(self) -> str:
        return f"{self.meeting}（{date_label(self.as_of)}時点）"
