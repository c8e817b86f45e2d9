"""The answering page: no login, phone-first, kind about closed links, errors beside their questions."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from chizai.cases.tests import fixtures_cases as fx
from chizai.surveys import actions
from chizai.surveys.models import Invitation, Response
from chizai.surveys.tests.test_surveys import GOOD, invite, sent_questionnaire

cases_data = fx.cases_data
cases_today = fx.cases_today


def url(token: str) -> str:
    return f"/survey/{token}/"


def test_an_invitee_answers_without_logging_in(client: Client, cases_data: fx.CasesData) -> None:
    _invitation, token = invite(cases_data.tokyo_case, sent_questionnaire(), valid_days=3650)
    page = client.get(url(token))
    text = page.content.decode()
    assert page.status_code == 200
    assert "問1. 知財を経営戦略に位置付けましたか。" in text and "問2で" not in text
    assert "問1で「はい」と答えた方のみ" in text
    assert "no-store" in page["Cache-Control"]
    assert fx.TOKYO_COMPANY not in text  # the page names no company
    done = client.post(url(token), {**GOOD, "effects": ["出願"]})
    assert done.status_code == 200 and "回答を受け付けました" in done.content.decode()
    response = Response.objects.get()
    assert response.answers.get(question__key="effects").value == ["出願"]
    again = client.get(url(token)).content.decode()
    assert "回答済みです" in again and 'value="4" checked' in again  # the answer can be changed until closed


def test_errors_stand_beside_their_questions_and_nothing_is_stored(client: Client, cases_data: fx.CasesData) -> None:
    _invitation, token = invite(cases_data.tokyo_case, sent_questionnaire(), valid_days=3650)
    page = client.post(url(token), {"strategy": "はい", "satisfaction": "9"})
    text = page.content.decode()
    assert page.status_code == 400
    assert 'href="#q-acted"' in text and 'id="err-acted"' in text and "回答してください（必須）。" in text
    assert 'id="err-satisfaction"' in text and 'aria-invalid="true"' in text
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("closed", "締め切りました"),
        ("expired", "回答期限を過ぎました"),
        ("unknown", "このリンクは無効です"),
    ],
)
def test_a_link_that_cannot_be_answered_says_so_kindly(
    client: Client, cases_data: fx.CasesData, setup: str, message: str
) -> None:
    invitation, token = invite(cases_data.tokyo_case, sent_questionnaire(), valid_days=3650)
    if setup == "closed":
        actions.close_invitation(invitation=invitation, actor=fx.user("jpo_admin"))
    elif setup == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    elif setup == "unknown":
        token = "not-a-token"
    page = client.get(url(token))
    assert page.status_code == 410 and message in page.content.decode()
