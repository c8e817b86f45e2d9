"""Officials' survey pages: results as figures 4–6 for JPO, a case's answers only for those who see it in full."""

from __future__ import annotations

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chizai.cases.tests import fixtures_cases as fx
from chizai.surveys import actions
from chizai.surveys.models import Invitation
from chizai.surveys.tests.test_surveys import GOOD, NOW, invite, sent_questionnaire

cases_data = fx.cases_data
cases_today = fx.cases_today


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(fx.user(username))
    return client


def test_jpo_reads_the_shares_with_n_and_the_response_rate(cases_data: fx.CasesData) -> None:
    questionnaire = sent_questionnaire()
    for case, satisfaction in ((cases_data.tokyo_case, "5"), (cases_data.kanagawa_case, "4")):
        _invitation, token = invite(case, questionnaire)
        actions.submit_answers(
            token=token, raw={**GOOD, "satisfaction": satisfaction, "comment": "助かりました"}, now=NOW
        )
    invite(cases_data.push_case, questionnaire)
    page = signed_in("jpo_admin").get(f"/surveys/{questionnaire.pk}/results/?split=block")
    text = page.content.decode()
    assert page.status_code == 200
    assert "回答率 66.7%（2件／3件）" in text
    assert "全体（n=2）" in text and "関東局（n=2）" in text
    assert "50.0%（1）" in text  # satisfaction 4 and 5: one each of n=2
    assert "<svg" in text and "<table" in text  # a chart and its text equivalent
    texts = signed_in("jpo_admin").get(f"/surveys/{questionnaire.pk}/texts/").content.decode()
    assert "助かりました" in texts


def test_results_are_for_jpo_bureaus_and_prefectures(cases_data: fx.CasesData) -> None:
    questionnaire = sent_questionnaire()
    assert signed_in("tokyo_editor").get(f"/surveys/{questionnaire.pk}/results/").status_code == 200
    assert signed_in("inpit_editor").get(f"/surveys/{questionnaire.pk}/results/").status_code == 404


def test_a_case_answers_show_to_its_support_team_not_to_its_referrer(cases_data: fx.CasesData) -> None:
    _invitation, token = invite(cases_data.tokyo_case, sent_questionnaire())
    actions.submit_answers(token=token, raw={**GOOD, "comment": "海外展開に役立った"}, now=NOW)
    url = f"/surveys/cases/{cases_data.tokyo_case.pk}/"
    page = signed_in("jpo_admin").get(url)
    assert page.status_code == 200 and "海外展開に役立った" in page.content.decode()
    assert signed_in("tokyo_editor").get(url).status_code == 404  # 東京都 referred the case: it sees its stage only
    assert signed_in("osaka_editor").get(url).status_code == 404


def test_the_support_team_sends_an_invitation_by_mail_with_a_working_link(
    client: Client, cases_data: fx.CasesData
) -> None:
    questionnaire = sent_questionnaire()
    url = f"/surveys/cases/{cases_data.push_case.pk}/"
    response = signed_in("jpo_admin").post(
        url, {"questionnaire": questionnaire.pk, "email": "contact@example.jp", "valid_days": "30"}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().email == "contact@example.jp"
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/survey/" in line)
    path = link[link.index("/survey/") :]
    assert client.get(path).status_code == 200


def test_the_questionnaire_list_shows_each_response_rate_in_the_same_queries_for_one_or_three(
    cases_data: fx.CasesData,
) -> None:
    first = sent_questionnaire()
    _invitation, token = invite(cases_data.tokyo_case, first)
    actions.submit_answers(token=token, raw=GOOD, now=NOW)
    invite(cases_data.kanagawa_case, first)
    client = signed_in("jpo_admin")
    client.get("/surveys/")  # the session and the menu's kept answers are warm

    with CaptureQueriesContext(connection) as one:
        page = client.get("/surveys/")
    assert "50.0%（1件／2件）" in page.content.decode()

    second, third = sent_questionnaire(code="second"), sent_questionnaire(code="third")
    invite(cases_data.tokyo_case, third)
    with CaptureQueriesContext(connection) as three:
        text = client.get("/surveys/").content.decode()

    assert len(three) == len(one)
    assert text.count("0.0%（0件／1件）") == 1 and text.count("0%（0件／0件）") == 1
    assert second.title in text
