"""Model cases, internal side: the anonymisation check, the workflow actions and the support team's pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.cases import actions, model_cases
from chizai.cases.model_cases import anonymisation_flags
from chizai.cases.models import IssueCategory, ModelCase, ModelCaseStatus, Stage
from chizai.cases.tests.fixtures_model_cases import make_closed_case, make_model_case
from chizai.kpis.actions import ConflictError
from chizai.organizations.models import Membership, Organization, Role

CLEAN_SUMMARY = "海外展開を目指す製造業の企業が、現地での商標出願とブランドの確立に取り組んだ。"


@pytest.fixture
def jpo_editor(db: None) -> Any:
    """A JPO editor: on the support team, but not a reviewer."""
    user = get_user_model().objects.create(username="jpo_editor_mc")
    Membership.objects.create(user=user, organization=Organization.objects.get(code="jpo"), role=Role.EDITOR)
    return user


@pytest.fixture
def case(db: None) -> Any:
    return make_closed_case(
        issues=((IssueCategory.OVERSEAS, "輸出先での模倣品"), (IssueCategory.BRANDING, "ブランドの統一")),
        hearing_notes="社長の山田太郎氏から聞き取り。",
        referred_by="pref-13",
    )


def _draft(case: Any, actor: Any, *, summary: str = CLEAN_SUMMARY, consent: bool = True) -> ModelCase:
    model_case = actions.create_model_case(case=case, actor=actor)
    model_case = actions.save_model_case(
        model_case=model_case,
        title="製造業の海外展開とブランディング",
        summary=summary,
        industry="金属製品製造業",
        region=Organization.objects.get(code="pref-13"),
        issue_categories=[IssueCategory.OVERSEAS, IssueCategory.BRANDING],
        expected_version=model_case.version,
        actor=actor,
    )
    if consent:
        model_case = actions.record_consent(
            model_case=model_case, consent_date=datetime.date(2025, 3, 10), note="同意書を受領", actor=actor
        )
    return model_case


def _kinds(text: str, case: Any) -> list[tuple[str, str]]:
    return [(flag.text, flag.kind) for flag in anonymisation_flags(text, case)]


# --- anonymisation flags ------------------------------------------------------------------------------------


def test_it_flags_the_company_name_in_full_and_without_its_legal_form(case: Any) -> None:
    text = "株式会社山田製作所は創業50年。山田製作所の技術を活かした。"
    assert _kinds(text, case) == [("株式会社山田製作所", "企業名"), ("山田製作所", "企業名")]


def test_it_flags_the_company_name_written_with_abbreviated_or_full_width_forms(case: Any) -> None:
    assert _kinds("（株）山田製作所と㈱山田製作所", case) == [("山田製作所", "企業名"), ("山田製作所", "企業名")]


def test_it_flags_person_names_before_titles_and_honorifics(case: Any) -> None:
    text = "同社の山田太郎社長と、知財担当の高橋部長、鈴木氏、佐藤様、田中さん。代表取締役 伊藤一郎が応じた。"
    assert _kinds(text, case) == [
        ("山田太郎", "人名"),
        ("高橋", "人名"),
        ("鈴木", "人名"),
        ("佐藤", "人名"),
        ("田中", "人名"),
        ("伊藤一郎", "人名"),
    ]


def test_it_does_not_take_titles_and_departments_for_names(case: Any) -> None:
    text = "営業部長と総務課長が同社社長を支えた。代表取締役社長は製品仕様の様々な点を氏名とともに確認。"
    assert _kinds(text, case) == []


def test_it_flags_amounts_in_yen_with_full_width_digits_and_kanji_numerals(case: Any) -> None:
    text = "売上は1,200万円から３億円に、投資は五千万円、借入は1億2,000万円、経費300千円。"
    assert _kinds(text, case) == [
        ("1,200万円", "金額"),
        ("３億円", "金額"),
        ("五千万円", "金額"),
        ("1億2,000万円", "金額"),
        ("300千円", "金額"),
    ]


def test_it_reports_the_position_of_each_flag_in_the_original_text(case: Any) -> None:
    text = "ＡＢ　山田太郎社長"
    [flag] = anonymisation_flags(text, case)
    assert (flag.start, flag.end) == (3, 7)
    assert text[flag.start : flag.end] == "山田太郎"


def test_it_finds_nothing_in_clean_text(case: Any) -> None:
    assert anonymisation_flags(CLEAN_SUMMARY, case) == []
    assert anonymisation_flags("", case) == []


# --- the workflow actions -----------------------------------------------------------------------------------


def test_it_creates_a_prefilled_model_case_from_a_closed_case(case: Any, jpo_admin: Any) -> None:
    model_case = actions.create_model_case(case=case, actor=jpo_admin)
    assert model_case.status == ModelCaseStatus.DRAFT
    assert model_case.industry == "金属製品製造業"
    assert model_case.region.code == "pref-13"
    assert model_case.issue_categories == [IssueCategory.BRANDING, IssueCategory.OVERSEAS]
    assert model_case.title == "東京都・金属製品製造業：ブランディング・海外展開の取組"
    assert anonymisation_flags(model_case.title, case) == []
    assert AuditEntry.objects.filter(action="cases.model_case.created", object_id=str(model_case.pk)).exists()


def test_it_returns_the_existing_model_case_when_created_twice(case: Any, jpo_admin: Any) -> None:
    first = actions.create_model_case(case=case, actor=jpo_admin)
    assert actions.create_model_case(case=case, actor=jpo_admin).pk == first.pk


def test_it_refuses_a_model_case_from_an_open_case(jpo_admin: Any) -> None:
    open_case = make_closed_case(stage=Stage.FOLLOW_UP)
    with pytest.raises(ValidationError, match="終了した案件"):
        actions.create_model_case(case=open_case, actor=jpo_admin)


@pytest.mark.parametrize("username", ["jpo_viewer", "tokyo_editor", "kanto_reviewer"])
def test_it_refuses_a_model_case_from_outside_the_support_team(case: Any, username: str) -> None:
    user = get_user_model().objects.get(username=username)
    with pytest.raises(PermissionDenied):
        actions.create_model_case(case=case, actor=user)


def test_it_lets_a_jpo_editor_write_the_model_case(case: Any, jpo_editor: Any) -> None:
    assert _draft(case, jpo_editor).consent_recorded


def test_it_refuses_a_save_over_a_newer_version(case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin)
    with pytest.raises(ConflictError):
        actions.save_model_case(
            model_case=model_case,
            title="別のタイトル",
            summary="",
            industry="製造業",
            region=model_case.region,
            issue_categories=[],
            expected_version=model_case.version - 1,
            actor=jpo_admin,
        )


def test_it_refuses_to_submit_without_consent(case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin, consent=False)
    with pytest.raises(ValidationError) as error:
        model_cases.submit_model_case(model_case=model_case, actor=jpo_admin)
    assert error.value.messages == ["企業の公開同意を記録してください。"]


def test_it_refuses_to_submit_with_flags_and_names_each_one(case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin, summary="山田製作所の山田太郎社長は1,200万円を投じた。")
    with pytest.raises(ValidationError) as error:
        model_cases.submit_model_case(model_case=model_case, actor=jpo_admin)
    messages = error.value.messages
    assert len(messages) == 3
    assert "「山田製作所」は企業名" in messages[0]
    assert "「山田太郎」は人名" in messages[1]
    assert "「1,200万円」は金額" in messages[2]
    assert ModelCase.objects.get(pk=model_case.pk).status == ModelCaseStatus.DRAFT


def test_it_runs_the_whole_workflow_to_publication(case: Any, jpo_editor: Any, jpo_admin: Any) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_editor), actor=jpo_editor)
    assert model_case.status == ModelCaseStatus.SUBMITTED
    model_case = model_cases.approve_model_case(model_case=model_case, actor=jpo_admin)
    assert (model_case.status, model_case.approved_by) == (ModelCaseStatus.APPROVED, jpo_admin)
    model_case = model_cases.publish_model_case(model_case=model_case, actor=jpo_admin)
    assert model_case.status == ModelCaseStatus.PUBLISHED
    assert model_case.published_at is not None
    assert "商標出願" in model_case.search_text
    assert "東京都" in model_case.search_text and "海外展開" in model_case.search_text
    recorded = set(AuditEntry.objects.filter(object_id=str(model_case.pk)).values_list("action", flat=True))
    assert {"cases.model_case.submitted", "cases.model_case.approved", "cases.model_case.published"} <= recorded


@pytest.mark.parametrize("username", ["kanto_reviewer", "tokyo_editor", "jpo_viewer"])
def test_it_lets_only_jpo_reviewers_approve(case: Any, jpo_admin: Any, username: str) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_admin), actor=jpo_admin)
    with pytest.raises(PermissionDenied):
        model_cases.approve_model_case(model_case=model_case, actor=get_user_model().objects.get(username=username))


def test_it_does_not_let_the_jpo_editor_approve_or_publish(case: Any, jpo_editor: Any, jpo_admin: Any) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_editor), actor=jpo_editor)
    with pytest.raises(PermissionDenied):
        model_cases.approve_model_case(model_case=model_case, actor=jpo_editor)
    model_case = model_cases.approve_model_case(model_case=model_case, actor=jpo_admin)
    with pytest.raises(PermissionDenied):
        model_cases.publish_model_case(model_case=model_case, actor=jpo_editor)


def test_it_withdraws_a_published_model_case_and_lets_it_be_edited_again(case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin)
    for step in (model_cases.submit_model_case, model_cases.approve_model_case, model_cases.publish_model_case):
        model_case = step(model_case=model_case, actor=jpo_admin)
    model_case = model_cases.withdraw_model_case(model_case=model_case, actor=jpo_admin, reason="企業の申出")
    assert model_case.status == ModelCaseStatus.WITHDRAWN
    assert model_cases.can_submit(jpo_admin, model_case)
    assert AuditEntry.objects.get(action="cases.model_case.withdrawn").reason == "企業の申出"


def test_it_refuses_to_edit_a_submitted_model_case(case: Any, jpo_admin: Any) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_admin), actor=jpo_admin)
    with pytest.raises(ValidationError, match="承認待ち"):
        actions.save_model_case(
            model_case=model_case,
            title="変更",
            summary=CLEAN_SUMMARY,
            industry="製造業",
            region=model_case.region,
            issue_categories=[],
            expected_version=model_case.version,
            actor=jpo_admin,
        )


# --- pages: writing the model case (cases:model_case_edit) ---------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client: Any, case: Any) -> None:
    response = client.get(reverse("cases:model_case_edit", args=[case.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_it_offers_to_start_a_model_case_and_creates_it(client: Any, login: Any, case: Any, jpo_admin: Any) -> None:
    login(client, jpo_admin)
    url = reverse("cases:model_case_edit", args=[case.pk])
    assert "モデル事例を作成する" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert ModelCase.objects.get(case=case).status == ModelCaseStatus.DRAFT


def test_it_explains_that_an_open_case_cannot_have_a_model_case(client: Any, login: Any, jpo_admin: Any) -> None:
    open_case = make_closed_case(stage=Stage.ACTIONS)
    login(client, jpo_admin)
    response = client.post(reverse("cases:model_case_edit", args=[open_case.pk]))
    assert response.status_code == 200
    assert "終了した案件からのみ" in response.content.decode()
    assert not ModelCase.objects.filter(case=open_case).exists()


def test_it_highlights_each_flag_in_the_text(client: Any, login: Any, case: Any, jpo_admin: Any) -> None:
    _draft(case, jpo_admin, summary="山田太郎社長は<b>1,200万円</b>を投じた。")
    login(client, jpo_admin)
    page = client.get(reverse("cases:model_case_edit", args=[case.pk])).content.decode()
    person = '<mark class="flag" title="人名">山田太郎</mark>'
    amount = '<mark class="flag" title="金額">1,200万円</mark>'
    assert f"{person}社長は&lt;b&gt;{amount}" in page
    assert "2件あります" in page


def test_it_saves_the_texts_and_shows_flags_of_what_was_typed(
    client: Any, login: Any, case: Any, jpo_admin: Any
) -> None:
    model_case = actions.create_model_case(case=case, actor=jpo_admin)
    login(client, jpo_admin)
    url = reverse("cases:model_case_edit", args=[case.pk])
    data = {
        "title": "製造業の海外展開",
        "summary": CLEAN_SUMMARY,
        "industry": "製造業",
        "region": Organization.objects.get(code="pref-14").pk,
        "issue_categories": [IssueCategory.OVERSEAS],
        "version": model_case.version,
    }
    assert client.post(url, data).status_code == 302
    saved = ModelCase.objects.get(pk=model_case.pk)
    assert (saved.title, saved.region.code, saved.issue_categories) == ("製造業の海外展開", "pref-14", ["overseas"])
    stale = client.post(url, {**data, "summary": "鈴木氏の話", "version": model_case.version})
    page = stale.content.decode()
    assert "他の利用者がこのモデル事例を更新しています" in page
    assert '<mark class="flag" title="人名">鈴木</mark>' in page


def test_it_records_consent_and_submits_from_the_edit_page(client: Any, login: Any, case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin, consent=False)
    login(client, jpo_admin)
    url = reverse("cases:model_case_edit", args=[case.pk])
    client.post(url, {"record_consent": "1", "consent_date": "2025-03-10", "consent_note": "同意書"})
    model_case.refresh_from_db()
    assert model_case.consent_recorded and model_case.consent_date == datetime.date(2025, 3, 10)
    data = {
        "title": model_case.title,
        "summary": model_case.summary,
        "industry": model_case.industry,
        "region": model_case.region_id,
        "issue_categories": model_case.issue_categories,
        "version": model_case.version,
        "save_and_submit": "1",
    }
    response = client.post(url, data)
    assert response["Location"] == reverse("cases:model_case_review", args=[model_case.pk])
    assert ModelCase.objects.get(pk=model_case.pk).status == ModelCaseStatus.SUBMITTED


def test_it_refuses_the_edit_page_to_the_referring_body_and_jpo_viewers(
    client: Any, login: Any, case: Any, tokyo_editor: Any, jpo_viewer: Any, osaka_editor: Any
) -> None:
    url = reverse("cases:model_case_edit", args=[case.pk])
    assert login(client, tokyo_editor).get(url).status_code == 403  # referred it: sees the status only
    assert login(client, jpo_viewer).get(url).status_code == 403
    assert login(client, osaka_editor).get(url).status_code == 404


# --- pages: JPO's list, the review page and the workflow steps ----------------------------------------------


def test_it_lists_model_cases_by_status_for_jpo(client: Any, login: Any, jpo_viewer: Any) -> None:
    make_model_case(status=ModelCaseStatus.PUBLISHED, title="公開中の事例", is_demo=True)
    make_model_case(status=ModelCaseStatus.SUBMITTED, title="承認を待つ事例")
    login(client, jpo_viewer)
    page = client.get(reverse("cases:model_case_admin_list")).content.decode()
    assert "承認待ち（1件）" in page and "公開中（1件）" in page and "作成中（0件）" in page
    assert page.index("承認を待つ事例") < page.index("公開中の事例")  # 承認待ち first
    assert "デモ（架空）" in page


def test_it_filters_model_cases_by_status_region_and_title_or_company(client: Any, login: Any, jpo_viewer: Any) -> None:
    make_model_case(status=ModelCaseStatus.PUBLISHED, title="公開中の事例")
    make_model_case(status=ModelCaseStatus.SUBMITTED, title="承認を待つ事例")
    login(client, jpo_viewer)

    def titles(query: str) -> list[str]:
        response = client.get(reverse("cases:model_case_admin_list") + query)
        return [model_case.title for model_case in response.context["paged"].items]

    assert titles("?status=published") == ["公開中の事例"]
    assert titles("?q=待つ") == ["承認を待つ事例"]
    assert titles("?status=nonsense&q=公開") == ["公開中の事例"]
    assert titles("?region=pref-47") == []


def test_the_model_case_list_costs_the_same_queries_for_few_and_many(client: Any, login: Any, jpo_viewer: Any) -> None:
    login(client, jpo_viewer)
    make_model_case(status=ModelCaseStatus.SUBMITTED)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cases:model_case_admin_list"))
    for _ in range(8):
        make_model_case(status=ModelCaseStatus.DRAFT)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cases:model_case_admin_list"))
    assert len(many.captured_queries) == len(few.captured_queries) <= 8


@pytest.mark.parametrize("username", ["tokyo_editor", "kanto_reviewer", "inpit_editor"])
def test_it_refuses_the_list_outside_jpo(client: Any, login: Any, db: None, username: str) -> None:
    login(client, get_user_model().objects.get(username=username))
    assert client.get(reverse("cases:model_case_admin_list")).status_code == 403


def test_it_shows_the_review_page_with_the_steps_the_user_may_take(
    client: Any, login: Any, case: Any, jpo_admin: Any, jpo_editor: Any
) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_editor), actor=jpo_editor)
    url = reverse("cases:model_case_review", args=[model_case.pk])
    admin_page = login(client, jpo_admin).get(url).content.decode()
    assert "承認する" in admin_page and "取り下げる" in admin_page
    assert "提出（承認依頼）" in admin_page  # the history
    editor_page = login(client, jpo_editor).get(url).content.decode()
    assert "承認する" not in editor_page


@pytest.mark.parametrize("username", ["tokyo_editor", "kanto_reviewer", "osaka_editor"])
def test_it_hides_the_review_page_from_other_bodies(client: Any, login: Any, case: Any, username: str) -> None:
    model_case = make_model_case(case=case, status=ModelCaseStatus.SUBMITTED)
    login(client, get_user_model().objects.get(username=username))
    assert client.get(reverse("cases:model_case_review", args=[model_case.pk])).status_code == 404
    url = reverse("cases:model_case_transition", args=[model_case.pk, "approve"])
    assert client.post(url).status_code == 404


def test_it_approves_and_publishes_through_the_steps(client: Any, login: Any, case: Any, jpo_admin: Any) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_admin), actor=jpo_admin)
    login(client, jpo_admin)
    for action in ("approve", "publish"):
        response = client.post(reverse("cases:model_case_transition", args=[model_case.pk, action]))
        assert response.status_code == 302
    assert ModelCase.objects.get(pk=model_case.pk).status == ModelCaseStatus.PUBLISHED


def test_it_refuses_approval_by_the_jpo_editor_with_403(client: Any, login: Any, case: Any, jpo_editor: Any) -> None:
    model_case = model_cases.submit_model_case(model_case=_draft(case, jpo_editor), actor=jpo_editor)
    login(client, jpo_editor)
    assert client.post(reverse("cases:model_case_transition", args=[model_case.pk, "approve"])).status_code == 403
    assert ModelCase.objects.get(pk=model_case.pk).status == ModelCaseStatus.SUBMITTED


def test_it_shows_why_a_submission_was_refused(client: Any, login: Any, case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin, summary="山田太郎社長が語る。")
    login(client, jpo_admin)
    response = client.post(reverse("cases:model_case_transition", args=[model_case.pk, "submit"]), follow=True)
    assert "「山田太郎」は人名の可能性があります" in response.content.decode()
    assert ModelCase.objects.get(pk=model_case.pk).status == ModelCaseStatus.DRAFT


def test_it_accepts_only_post_and_known_steps(client: Any, login: Any, case: Any, jpo_admin: Any) -> None:
    model_case = _draft(case, jpo_admin)
    login(client, jpo_admin)
    assert client.get(reverse("cases:model_case_transition", args=[model_case.pk, "submit"])).status_code == 405
    assert client.post(reverse("cases:model_case_transition", args=[model_case.pk, "explode"])).status_code == 404


def test_a_viewer_posting_to_the_review_page_is_refused_with_403(
    client: Any, login: Any, case: Any, jpo_admin: Any, jpo_viewer: Any
) -> None:
    """The review page writes nothing; a JPO viewer (who sees every case) is told so with 403, not the page."""
    model_case = _draft(case, jpo_admin)
    url = reverse("cases:model_case_review", args=[model_case.pk])
    entries = AuditEntry.objects.count()

    login(client, jpo_viewer)
    refused = client.post(url, {"title": "書き換え"})
    login(client, jpo_admin)
    not_here = client.post(url, {"title": "書き換え"})

    assert refused.status_code == 403
    assert not_here.status_code == 405  # the support team writes on the edit page and the step URLs
    assert ModelCase.objects.get(pk=model_case.pk).title == model_case.title
    assert AuditEntry.objects.count() == entries
