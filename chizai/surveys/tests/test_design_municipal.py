"""JPO designs questionnaires through pages (errors beside the fields, a sent one revised into a new version);
the municipality survey: one answer per prefecture a year, e-mailed to the prefecture's users, answered while
signed in; and the regional analysis page and document, aggregates only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Organization
from chizai.surveys import actions
from chizai.surveys.actions import QuestionSpec
from chizai.surveys.models import Audience, QuestionKind, Questionnaire, QuestionnaireStatus, Response
from chizai.surveys.tests.test_surveys import NOW

cases_data = fx.cases_data
cases_today = fx.cases_today
YEAR = 2025


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(fx.user(username))
    return client


def management(total: int, initial: int = 0) -> dict[str, str]:
    return {
        "q-TOTAL_FORMS": str(total),
        "q-INITIAL_FORMS": str(initial),
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "100",
    }


def question(n: int, **fields: str) -> dict[str, str]:
    return {f"q-{n}-{name}": value for name, value in fields.items()}


NEW = {
    "code": "follow-up-2026",
    "title": "フォローアップ調査",
    "audience": Audience.COMPANY,
    **management(2),
    **question(
        0,
        key="strategy",
        text="知財を経営戦略に位置付けましたか。",
        kind="single",
        required="on",
        choices="はい\nいいえ",
    ),
    **question(
        1,
        key="acted",
        text="行動しましたか。",
        kind="single",
        choices="はい\nいいえ",
        show_if_key="strategy",
        show_if_value="はい",
    ),
}


@pytest.mark.django_db
def test_jpo_builds_a_questionnaire_with_a_condition() -> None:
    response = signed_in("jpo_admin").post("/surveys/new/", NEW)
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get(code="follow-up-2026")
    acted = questionnaire.questions.get(key="acted")
    assert (acted.show_if_key, acted.show_if_value, acted.choices, acted.required) == (
        "strategy",
        "はい",
        ["はい", "いいえ"],
        False,
    )


@pytest.mark.django_db
def test_errors_show_beside_their_fields_in_japanese_and_nothing_is_written() -> None:
    page = signed_in("jpo_admin").post("/surveys/new/", {**NEW, "q-0-choices": "はい"})
    assert page.status_code == 400 and not Questionnaire.objects.exists()
    assert 'id="id_q-0-choices-error">選択肢を2つ以上' in page.content.decode()
    unknown = signed_in("jpo_admin").post("/surveys/new/", {**NEW, "q-1-show_if_value": "たぶん"}).content.decode()
    assert 'id="id_q-1-show_if_value-error">表示条件の回答は、その設問の選択肢から入力してください。' in unknown
    later = {**NEW, "q-1-show_if_key": "nothing"}
    assert "この設問より前の設問の識別子" in signed_in("jpo_admin").post("/surveys/new/", later).content.decode()


@pytest.mark.django_db
def test_a_sent_questionnaire_is_frozen_and_a_change_makes_a_new_version() -> None:
    client = signed_in("jpo_admin")
    client.post("/surveys/new/", NEW)
    draft = Questionnaire.objects.get()
    assert client.post(f"/surveys/{draft.pk}/send/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == QuestionnaireStatus.SENT
    page = client.get(f"/surveys/{draft.pk}/edit/").content.decode()
    assert "新しい版（第2版）" in page
    edit = {
        "title": "フォローアップ調査（改）",
        **management(2, initial=1),
        **question(0, key="strategy", text="知財を経営戦略に位置付けましたか。", kind="single", choices="はい\nいいえ"),
        **question(1, key="comment", text="ご意見", kind="text"),
    }
    response = client.post(f"/surveys/{draft.pk}/edit/", edit)
    successor = Questionnaire.objects.get(code=draft.code, version=2)
    assert response.status_code == 302 and response["Location"] == f"/surveys/{successor.pk}/edit/"
    assert [q.key for q in successor.questions.all()] == ["strategy", "comment"]
    assert [q.key for q in draft.questions.all()] == ["strategy", "acted"]  # the sent version is unchanged


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["jpo_viewer", "kanto_reviewer", "tokyo_editor"])
def test_only_jpo_writers_design(username: str) -> None:
    assert signed_in(username).get("/surveys/new/").status_code == 404
    assert signed_in(username).post("/surveys/new/", NEW).status_code == 404
    assert not Questionnaire.objects.exists()


# --- the municipality survey ---------------------------------------------------------------------------------


def municipal(code: str = "municipal") -> Any:
    made = actions.create_questionnaire(
        code=code,
        title="地域KPIに関する自治体アンケート",
        audience=Audience.MUNICIPALITY,
        questions=[QuestionSpec("ripple", "産業振興ビジョンへの波及効果", QuestionKind.SCALE)],
        actor=fx.user("jpo_admin"),
    )
    return actions.send_questionnaire(questionnaire=made, actor=fx.user("jpo_admin"))


def tokyo() -> Organization:
    return Organization.objects.get(code="pref-13")


def test_one_answer_per_prefecture_a_year_is_a_database_rule(cases_data: fx.CasesData) -> None:
    questionnaire = municipal()
    Response.objects.create(questionnaire=questionnaire, organization=tokyo(), fiscal_year=YEAR, submitted_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(questionnaire=questionnaire, organization=tokyo(), fiscal_year=YEAR, submitted_at=NOW)
    # another year, or another prefecture, is fine
    Response.objects.create(questionnaire=questionnaire, organization=tokyo(), fiscal_year=YEAR + 1, submitted_at=NOW)


def test_a_second_answer_through_another_version_is_refused_in_japanese(cases_data: fx.CasesData) -> None:
    first = municipal()
    _invitation, token = actions.invite_organization(
        questionnaire=first, organization=tokyo(), fiscal_year=YEAR, email="a@example.lg.jp", actor=fx.user("jpo_admin")
    )
    actions.submit_answers(token=token, raw={"ripple": "4"})
    second = actions.revise_questionnaire(
        questionnaire=first,
        title=first.title,
        questions=[QuestionSpec("ripple", "波及効果", QuestionKind.SCALE)],
        actor=fx.user("jpo_admin"),
    )
    second = actions.send_questionnaire(questionnaire=second, actor=fx.user("jpo_admin"))
    with pytest.raises(ValidationError, match="送付済み"):
        actions.invite_organization(
            questionnaire=second, organization=tokyo(), fiscal_year=YEAR, email="a@example.lg.jp", actor=None
        )
    # Even a stray invitation (made before the rule) cannot bring a second answer that year.
    stray, stray_token = actions._invite(
        second, None, "a@example.lg.jp", 30, None, organization=tokyo(), fiscal_year=YEAR
    )
    with pytest.raises(ValidationError, match="東京都の2025年度の回答は受付済みです"):
        actions.submit_answers(token=stray_token, raw={"ripple": "5"})
    assert Response.objects.filter(organization=tokyo()).count() == 1


def test_jpo_invites_every_prefectures_users_and_they_answer_signed_in(cases_data: fx.CasesData) -> None:
    questionnaire = municipal()
    get_user_model().objects.filter(username="tokyo_editor").update(email="editor@pref.tokyo.example.jp")
    get_user_model().objects.filter(username="tokyo_viewer").update(email="viewer@pref.tokyo.example.jp")
    url = f"/surveys/{questionnaire.pk}/municipal/?year={YEAR}"
    assert signed_in("tokyo_editor").post(url, {"year": YEAR}).status_code == 403  # only JPO sends
    response = signed_in("jpo_admin").post(url, {"year": YEAR})
    assert response.status_code == 302
    to_tokyo = next(m for m in mail.outbox if "editor@pref.tokyo.example.jp" in m.to)
    assert to_tokyo.to == ["editor@pref.tokyo.example.jp", "viewer@pref.tokyo.example.jp"]  # editors first
    invitation = questionnaire.invitations.get(organization=tokyo())
    page = signed_in("tokyo_editor").get(url).content.decode()
    assert "東京都" in page and "大阪府" not in page and "回答する" in page
    assert signed_in("tokyo_viewer").post(f"/surveys/municipal/{invitation.pk}/answer/").status_code == 403
    assert signed_in("osaka_editor").post(f"/surveys/municipal/{invitation.pk}/answer/").status_code == 404
    client = signed_in("tokyo_editor")
    opened = client.post(f"/surveys/municipal/{invitation.pk}/answer/")
    assert opened.status_code == 302 and opened["Location"].startswith("/survey/")
    assert client.post(opened["Location"], {"ripple": "5"}).status_code == 200
    answer = Response.objects.get(organization=tokyo())
    assert answer.fiscal_year == YEAR and answer.answers.get().value == 5


# --- the analysis fed back to the regions --------------------------------------------------------------------


def test_each_body_reads_its_regions_analysis_in_aggregates(cases_data: fx.CasesData) -> None:
    kanto = signed_in("kanto_reviewer")
    page = kanto.get("/surveys/analysis/bureau-kanto/").content.decode()
    assert "関東局ブロックの支援の分析" in page and "支援 2件の集計" in page
    assert fx.TOKYO_COMPANY not in page and fx.HEARING_SECRET not in page  # counts, never a company's record
    assert "営業秘密" in page  # the fixture's issue category, counted
    assert kanto.get("/surveys/analysis/pref-13/").status_code == 200
    assert kanto.get("/surveys/analysis/bureau-kinki/").status_code == 404
    tokyo_client = signed_in("tokyo_editor")
    assert "支援 1件の集計" in tokyo_client.get("/surveys/analysis/pref-13/").content.decode()
    assert tokyo_client.get("/surveys/analysis/bureau-kanto/").status_code == 404
    assert tokyo_client.get("/surveys/analysis/pref-14/").status_code == 404
    index = tokyo_client.get("/surveys/analysis/").content.decode()
    assert "/surveys/analysis/pref-13/" in index and "pref-14" not in index


def test_the_regional_analysis_document_downloads_for_those_who_see_the_page(cases_data: fx.CasesData) -> None:
    response = signed_in("kanto_reviewer").get("/reports/analysis/bureau-kanto.docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert signed_in("osaka_editor").get("/reports/analysis/bureau-kanto.docx").status_code == 404


@pytest.mark.parametrize("username", ["jpo_admin", "kanto_reviewer"])
def test_the_regional_page_costs_the_same_whatever_the_cases(
    cases_data: fx.CasesData, username: str, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(username)
    client.get("/surveys/analysis/")
    with django_assert_max_num_queries(16):
        assert client.get("/surveys/analysis/bureau-kanto/").status_code == 200


def test_the_municipal_page_costs_the_same_for_47_prefectures(
    cases_data: fx.CasesData, django_assert_max_num_queries: Any
) -> None:
    questionnaire = municipal()
    for prefecture in Organization.objects.prefectures()[:10]:
        actions.invite_organization(
            questionnaire=questionnaire, organization=prefecture, fiscal_year=YEAR, email="a@example.lg.jp", actor=None
        )
    client = signed_in("jpo_admin")
    client.get("/surveys/")
    with django_assert_max_num_queries(12):
        page = client.get(f"/surveys/{questionnaire.pk}/municipal/?year={YEAR}")
    assert page.status_code == 200 and "回答 0件／依頼 10件（表示中の都道府県 47）" in page.content.decode()


def test_a_prefectures_municipal_free_text_reaches_its_bureau_not_another_prefecture(cases_data: fx.CasesData) -> None:
    questionnaire = actions.create_questionnaire(
        code="municipal-texts",
        title="自治体アンケート",
        audience=Audience.MUNICIPALITY,
        questions=[QuestionSpec("comment", "自由意見", QuestionKind.TEXT)],
        actor=fx.user("jpo_admin"),
    )
    questionnaire = actions.send_questionnaire(questionnaire=questionnaire, actor=fx.user("jpo_admin"))
    _invitation, token = actions.invite_organization(
        questionnaire=questionnaire, organization=tokyo(), fiscal_year=YEAR, email="a@example.lg.jp", actor=None
    )
    actions.submit_answers(token=token, raw={"comment": "連携会議の議題が具体的になった"})
    url = f"/surveys/{questionnaire.pk}/texts/"
    assert "連携会議の議題" in signed_in("kanto_reviewer").get(url).content.decode()
    assert "連携会議の議題" in signed_in("tokyo_viewer").get(url).content.decode()
    assert "連携会議の議題" not in signed_in("kanagawa_editor").get(url).content.decode()
    assert "連携会議の議題" not in signed_in("kinki_reviewer").get(url).content.decode()
