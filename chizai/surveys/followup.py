"""The follow-up survey (フォローアップ調査) of a supported company, sent without anyone asking for it.

When its case reaches follow-up, the company is invited at the case's contact address; once more
CHIZAI_SURVEY_REINVITE_DAYS later (the daily survey run enqueues those, on business days). Each invitation is
written and mailed by a task on the queue (`invite_follow_up`), so a slow mail server never holds up a stage move,
and the link's token exists only in the worker and the mail (the queue stores the case and the round, not the
token). A case gets at most two follow-up invitations, whatever retries or concurrent runs happen: the task locks
the case and counts its invitations first.

The questionnaire is the sent, named one (CHIZAI_FOLLOW_UP_SURVEY_CODE), or else the latest sent company
questionnaire that is not anonymous.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.tasks import task
from django.utils import timezone

from chizai.cases.models import SupportCase
from chizai.lib.business_days import is_business_day
from chizai.lib.fiscal import fiscal_year_of
from chizai.surveys import actions
from chizai.surveys.mail import send_invitation
from chizai.surveys.models import Audience, Invitation, Questionnaire, QuestionnaireStatus

ROUNDS = 2
SENT = "sent"


def follow_up_questionnaire() -> Questionnaire | None:
    sent = Questionnaire.objects.filter(audience=Audience.COMPANY, status=QuestionnaireStatus.SENT, anonymous=False)
    if settings.CHIZAI_FOLLOW_UP_SURVEY_CODE:
        sent = sent.filter(code=settings.CHIZAI_FOLLOW_UP_SURVEY_CODE)
    return sent.order_by("-sent_at", "-pk").first()


def case_reached_follow_up(case: SupportCase, day: datetime.date) -> None:
    """The cases writer's hook: invite the company once the stage move is committed (never for a rolled-back one)."""
    if case.contact_email:
        transaction.on_commit(partial(invite_follow_up.enqueue, case.pk, 1, fiscal_year_of(day)))


@task()
def invite_follow_up(case_pk: int, round_number: int, fiscal_year: int) -> str:
    """The task: invite the case's company for the given round (1 or 2) and mail the link; returns what it did."""
    return send_follow_up_invitation(case_pk=case_pk, round_number=round_number, fiscal_year=fiscal_year)


def send_follow_up_invitation(
    *, case_pk: int, round_number: int, fiscal_year: int | None = None, now: datetime.datetime | None = None
) -> str:
    """Invite and mail, unless the case has no address or had its invitation of this round. The survey's year is
    the year the case reached follow-up (round 1) or of the second invitation (round 2), as the KPIs count it."""
    now = now or timezone.now()
    with transaction.atomic():
        case = SupportCase.objects.select_for_update().filter(pk=case_pk).first()
        questionnaire = follow_up_questionnaire()
        if case is None or not case.contact_email:
            return "no address"
        if questionnaire is None:
            return "no questionnaire"
        if _follow_up_invitations(case, questionnaire).count() != round_number - 1:
            return "already invited"
        invitation, token = actions.invite_case(
            questionnaire=questionnaire,
            case=case,
            email=case.contact_email,
            actor=None,
            now=now,
            fiscal_year=fiscal_year if fiscal_year is not None else fiscal_year_of(timezone.localdate(now)),
        )
    # After the commit: a mail that fails leaves an unanswered invitation, which the reminders pick up.
    send_invitation(invitation, token)
    return SENT


def _follow_up_invitations(case: SupportCase, questionnaire: Questionnaire) -> QuerySet[Invitation]:
    return Invitation.objects.filter(case=case, questionnaire__code=questionnaire.code)


def due_reinvitations(today: datetime.date) -> list[int]:
    """The cases whose only follow-up invitation went out at least CHIZAI_SURVEY_REINVITE_DAYS ago (business days)."""
    questionnaire = follow_up_questionnaire()
    if questionnaire is None or not is_business_day(today):
        return []
    cutoff = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max)) - datetime.timedelta(
        days=settings.CHIZAI_SURVEY_REINVITE_DAYS
    )
    ours = Q(invitation__questionnaire__code=questionnaire.code)
    cases = (
        SupportCase.objects.exclude(contact_email="")
        .annotate(invited=Count("invitation", filter=ours), first_sent=Min("invitation__sent_at", filter=ours))
        .filter(invited=1, first_sent__lte=cutoff)
        .order_by("pk")
    )
    return list(cases.values_list("pk", flat=True))


def enqueue_reinvitations(today: datetime.date) -> list[int]:
    """Queue the second invitations due today; returns the cases'."""
    due = due_reinvitations(today)
    for case_pk in due:
        invite_follow_up.enqueue(case_pk, ROUNDS, fiscal_year_of(today))
    return due
