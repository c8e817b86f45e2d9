"""The follow-up survey goes out by itself: when a case reaches follow-up (a task on the queue mails the link to the
case's contact address), once more after CHIZAI_SURVEY_REINVITE_DAYS, never a third time or twice for a round; and
reminders go on business days only (a holiday skipped)."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chizai.audit.models import AuditEntry
from chizai.cases import actions as case_actions
from chizai.cases.models import Stage, SupportCase
from chizai.cases.tests import fixtures_cases as fx
from chizai.surveys import actions, followup
from chizai.surveys.models import Invitation
from chizai.surveys.tests.test_counting import YES_YES, follow_up

cases_data = fx.cases_data
cases_today = fx.cases_today

ADDRESS = "chizai-contact@example.jp"


def to_actions(case: SupportCase) -> SupportCase:
    for stage in (Stage.HEARING, Stage.ISSUE_EXTRACTION, Stage.AGREED, Stage.ACTIONS):
        case = case_actions.move_stage(case=case, to_stage=stage, actor=fx.user("jpo_admin"))
    return case


def with_contact(case: SupportCase, email: str = ADDRESS) -> SupportCase:
    return case_actions.save_case_record(
        case=case, changes={"contact_email": email}, expected_version=None, actor=fx.user("jpo_admin")
    )


def reach_follow_up(case: SupportCase, capture: Any) -> SupportCase:
    with capture(execute=True):
        return case_actions.move_stage(case=case, to_stage=Stage.FOLLOW_UP, actor=fx.user("jpo_admin"))


def link_in(message: Any) -> str:
    line = next(line for line in message.body.splitlines() if "/survey/" in line)
    return line[line.index("/survey/") :]


def test_reaching_follow_up_mails_the_company_a_link_that_needs_no_login(
    cases_data: fx.CasesData, django_capture_on_commit_callbacks: Any
) -> None:
    follow_up()
    case = with_contact(to_actions(cases_data.tokyo_case))

    reach_follow_up(case, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.to == [ADDRESS] and "フォローアップ調査" in message.subject
    invitation = Invitation.objects.get(case=case)
    assert invitation.fiscal_year == 2025 and invitation.email == ADDRESS
    page = Client().get(link_in(message))
    assert page.status_code == 200 and "知財を経営戦略に位置付けましたか" in page.content.decode()
    assert Client().post(link_in(message), YES_YES).status_code in (200, 302)
    invitation.refresh_from_db()
    assert invitation.answered_at is not None


def test_nothing_is_sent_without_a_contact_address_or_when_the_move_rolls_back(
    cases_data: fx.CasesData, django_capture_on_commit_callbacks: Any
) -> None:
    follow_up()
    case = to_actions(cases_data.tokyo_case)

    reach_follow_up(case, django_capture_on_commit_callbacks)

    assert not mail.outbox and not Invitation.objects.exists()


def test_a_round_is_never_sent_twice(cases_data: fx.CasesData, django_capture_on_commit_callbacks: Any) -> None:
    follow_up()
    case = with_contact(to_actions(cases_data.tokyo_case))
    reach_follow_up(case, django_capture_on_commit_callbacks)

    again = followup.invite_follow_up.enqueue(case.pk, 1, 2025)

    assert again.return_value == "already invited"
    assert Invitation.objects.filter(case=case).count() == 1 and len(mail.outbox) == 1


def test_the_mail_is_a_task_on_the_queue_that_carries_no_token(
    cases_data: fx.CasesData, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    follow_up()
    case = with_contact(to_actions(cases_data.tokyo_case))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    reach_follow_up(case, django_capture_on_commit_callbacks)

    queued = DBTaskResult.objects.get()
    assert queued.status == "READY" and queued.task_path == "chizai.surveys.followup.invite_follow_up"
    assert queued.args_kwargs["args"] == [case.pk, 1, 2025]
    assert not mail.outbox and not Invitation.objects.exists()  # the worker writes and mails it


def test_a_second_invitation_goes_after_the_set_time_and_never_a_third(
    cases_data: fx.CasesData, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.CHIZAI_SURVEY_REINVITE_DAYS = 180
    questionnaire = follow_up()
    case = with_contact(to_actions(cases_data.tokyo_case))
    first_sent = timezone.make_aware(datetime.datetime(2025, 4, 7, 9, 0))
    followup.send_follow_up_invitation(case_pk=case.pk, round_number=1, now=first_sent)
    first = Invitation.objects.get(case=case)
    actions.submit_answers(token=_token_of(mail.outbox[0]), raw=YES_YES, now=first_sent)

    assert followup.due_reinvitations(datetime.date(2025, 10, 3)) == []  # 179 days
    assert followup.due_reinvitations(datetime.date(2025, 10, 4)) == []  # 180 days, but a Saturday
    out = StringIO()
    call_command("send_survey_reminders", "--date", "2025-10-06", stdout=out)

    assert "再依頼 1件" in out.getvalue()
    second = Invitation.objects.filter(case=case).exclude(pk=first.pk).get()
    assert second.questionnaire == questionnaire and mail.outbox[-1].to == [ADDRESS]
    call_command("send_survey_reminders", "--date", "2025-10-07", stdout=StringIO())
    assert followup.send_follow_up_invitation(case_pk=case.pk, round_number=2) == "already invited"
    assert Invitation.objects.filter(case=case).count() == 2


def test_the_contact_address_is_audited_and_shown_only_to_those_who_see_the_case_in_full(
    cases_data: fx.CasesData,
) -> None:
    case = with_contact(cases_data.tokyo_case)

    entry = AuditEntry.objects.filter(action="cases.case.updated", object_id=str(case.pk)).latest("pk")
    assert ADDRESS in str(entry.changes)
    page = reverse("cases:case_detail", args=[case.pk])
    jpo, referrer = Client(), Client()
    jpo.force_login(fx.user("jpo_admin"))
    referrer.force_login(fx.user("tokyo_editor"))  # 東京都 referred the case: it sees the stage only
    assert ADDRESS in jpo.get(page).content.decode()
    shown = referrer.get(page)
    assert shown.status_code == 200 and ADDRESS not in shown.content.decode()


def _token_of(message: Any) -> str:
    return link_in(message).rstrip("/").rsplit("/", 1)[-1]


# --- reminders on business days ------------------------------------------------------------------------------


@pytest.fixture
def next_day_reminders(settings: Any) -> None:
    settings.CHIZAI_SURVEY_REMINDER_DAYS = 1


def test_a_reminder_skips_the_weekend_and_a_holiday(cases_data: fx.CasesData, next_day_reminders: None) -> None:
    # Friday 21 November 2025; Monday the 24th is a substitute holiday (振替休日 for 勤労感謝の日).
    sent = timezone.make_aware(datetime.datetime(2025, 11, 21, 9, 0))
    actions.invite_case(
        questionnaire=follow_up(), case=cases_data.tokyo_case, email=ADDRESS, actor=None, now=sent, valid_days=60
    )

    def run(day: str) -> str:
        out = StringIO()
        call_command("send_survey_reminders", "--date", day, stdout=out)
        return out.getvalue()

    assert [run(day).count("督促 1件") for day in ("2025-11-22", "2025-11-23", "2025-11-24")] == [0, 0, 0]
    assert "督促 1件" in run("2025-11-25")
    assert "督促 0件" in run("2025-11-25")
    assert len(mail.outbox) == 1
