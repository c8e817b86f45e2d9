"""The daily survey reminders: to each invitee who has not answered, on business days, a set number of days
after the invitation or the last reminder, at most `CHIZAI_SURVEY_MAX_REMINDERS` times and never twice a day.

Each reminder carries a fresh link (the first link's token is not kept: only its hash is). Run daily from cron
(`chizai send_survey_reminders`); a second run the same day sends nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chizai.lib.business_days import is_business_day
from chizai.surveys import actions
from chizai.surveys.followup import due_reinvitations, enqueue_reinvitations
from chizai.surveys.mail import send_invitation
from chizai.surveys.models import Invitation


@dataclass
class ReminderReport:
    sent: list[Invitation] = field(default_factory=list)
    reinvited: list[int] = field(default_factory=list)  # cases whose second follow-up invitation was queued

    def summary(self) -> str:
        return f"アンケートの督促 {len(self.sent):,}件、フォローアップ調査の再依頼 {len(self.reinvited):,}件"


def due_invitations(today: datetime.date, now: datetime.datetime) -> list[Invitation]:
    """Open, unanswered, unexpired invitations whose last mail is at least the set number of days old."""
    if not is_business_day(today):
        return []
    wait = datetime.timedelta(days=settings.CHIZAI_SURVEY_REMINDER_DAYS)
    cutoff = today - wait
    candidates = (
        Invitation.objects.filter(answered_at__isnull=True, closed_at__isnull=True, expires_at__gt=now)
        .filter(reminders__lt=settings.CHIZAI_SURVEY_MAX_REMINDERS)
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=cutoff))
        .exclude(email="")
        .select_related("questionnaire")
        .order_by("pk")
    )
    return [i for i in candidates if i.sent_at is not None and timezone.localdate(i.sent_at) <= cutoff]


def _moment(today: datetime.date) -> datetime.datetime:
    """Now, or noon of the day asked for (a run for another day judges expiry as of that day)."""
    if today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 0)))


def send_survey_reminders(*, today: datetime.date, dry_run: bool = False) -> ReminderReport:
    now = _moment(today)
    report = ReminderReport()
    for invitation in due_invitations(today, now):
        if dry_run:
            report.sent.append(invitation)
            continue
        token = actions.record_reminder(invitation=invitation, today=today, now=now)
        if token is not None:  # another run got there first: it sent this one
            send_invitation(invitation, token, reminder=True)
            report.sent.append(invitation)
    report.reinvited = due_reinvitations(today) if dry_run else enqueue_reinvitations(today)
    return report
