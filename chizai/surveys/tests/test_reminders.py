"""`chizai send_survey_reminders`: the next business day to non-respondents only, never twice a day."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from chizai.cases.tests import fixtures_cases as fx
from chizai.surveys import actions
from chizai.surveys.tests.test_surveys import GOOD, sent_questionnaire

cases_data = fx.cases_data
cases_today = fx.cases_today

FRIDAY = datetime.date(2025, 11, 7)
MONDAY = datetime.date(2025, 11, 10)


def run(day: datetime.date) -> str:
    out = StringIO()
    call_command("send_survey_reminders", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def next_day_reminders(settings: object) -> None:
    settings.CHIZAI_SURVEY_REMINDER_DAYS = 1  # type: ignore[attr-defined]


def test_a_non_respondent_is_reminded_the_next_business_day_and_never_again_that_day(
    client: Client, cases_data: fx.CasesData, next_day_reminders: None
) -> None:
    questionnaire = sent_questionnaire()
    sent = timezone.make_aware(datetime.datetime(2025, 11, 7, 9, 0))
    waiting, _ = actions.invite_case(
        questionnaire=questionnaire,
        case=cases_data.tokyo_case,
        email="waiting@example.jp",
        actor=None,
        now=sent,
        valid_days=3650,
    )
    _answered, token = actions.invite_case(
        questionnaire=questionnaire, case=cases_data.kanagawa_case, email="done@example.jp", actor=None, now=sent
    )
    actions.submit_answers(token=token, raw=GOOD, now=sent)
    assert "督促 0件" in run(FRIDAY)  # the day it was sent
    assert "督促 0件" in run(datetime.date(2025, 11, 8))  # Saturday
    assert "督促 1件" in run(MONDAY)
    (message,) = mail.outbox
    assert message.to == ["waiting@example.jp"] and message.subject.startswith("【再送】")
    link = next(line for line in message.body.splitlines() if "/survey/" in line)
    assert client.get(link[link.index("/survey/") :]).status_code == 200  # the reminder's new link works
    assert "督促 0件" in run(MONDAY)  # the same day again: nothing
    assert len(mail.outbox) == 1
    waiting.refresh_from_db()
    assert waiting.reminders == 1


def test_a_dry_run_sends_and_records_nothing(cases_data: fx.CasesData, next_day_reminders: None) -> None:
    sent = timezone.make_aware(datetime.datetime(2025, 11, 7, 9, 0))
    invitation, _ = actions.invite_case(
        questionnaire=sent_questionnaire(), case=cases_data.tokyo_case, email="a@example.jp", actor=None, now=sent
    )
    out = StringIO()
    call_command("send_survey_reminders", "--date", MONDAY.isoformat(), "--dry-run", stdout=out)
    assert "a@example.jp" in out.getvalue() and not mail.outbox
    invitation.refresh_from_db()
    assert invitation.reminders == 0
