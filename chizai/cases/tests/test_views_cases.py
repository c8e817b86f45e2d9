"""The case and company pages, through HTTP: each allowed and refused per role, and no company data leaking."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.cases import actions
from chizai.cases.counting import recompute_for_case
from chizai.cases.models import (
    Company,
    ExpertSupportKind,
    ExpertSupportStatus,
    IssueCategory,
    Origin,
    SmeCategory,
    Stage,
    SupportCase,
)
from chizai.cases.tests import fixtures_cases as fx
from chizai.kpis.models import Kpi, Plan
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.fixtures_views import PLAN3_FILE
from chizai.organizations.models import Organization
from chizai.testing import NAVIGATION_QUERIES

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db

SECRETS = (fx.HEARING_SECRET, fx.ISSUE_SECRET, fx.FOLLOW_UP_SECRET)


@pytest.fixture
def plan3_counted(cases_data) -> Plan:
    """The 3rd plan with its counted KPIs, recomputed from the cases of the fixture."""
    plan = load_plan_file(PLAN3_FILE).plan
    recompute_for_case(cases_data.tokyo_case, actor=None)
    return plan


def url(name: str, *args) -> str:
    return reverse(f"cases:{name}", args=args)


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


# Anonymous visitors


@pytest.mark.parametrize(
    "path",
    ["case_list", "case_create", "case_overdue", "company_list", "company_create"],
)
def test_it_sends_anonymous_visitors_to_the_login_page(client, path):
    response = client.get(url(path))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_sends_anonymous_visitors_of_a_case_to_the_login_page(client, cases_data):
    for path in (url("case_detail", cases_data.tokyo_case.pk), url("case_edit", cases_data.tokyo_case.pk)):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


# The case list


def test_it_lists_every_case_for_the_jpo_team_with_days_in_stage(client, login, jpo_admin, cases_data):
    login(client, jpo_admin)
    html = page(client, url("case_list"))
    for name in cases_data.company_names:
        assert name in html
    assert "日</td>" in html  # days in the current stage
    assert "企業を紹介する" in html


def test_it_lists_only_its_referral_for_a_referring_prefecture(client, login, tokyo_viewer, cases_data):
    login(client, tokyo_viewer)
    html = page(client, url("case_list"))
    assert fx.TOKYO_COMPANY in html and "紹介した案件（状況のみ）" in html
    assert fx.KANAGAWA_COMPANY not in html and fx.PUSH_COMPANY not in html
    assert "企業を紹介する" not in html  # a viewer does not refer


def test_it_shows_counts_by_fiscal_year_and_stage_to_everyone(client, login, osaka_editor, cases_data):
    login(client, osaka_editor)
    response = client.get(url("case_list"))
    counts = {(line["year"], line["total"]) for line in response.context["counts"]["years"]}
    assert counts == {(2025, 2), (2024, 1)}
    assert response.context["rows"] == []


def test_it_filters_the_list_by_fiscal_year_stage_and_origin(client, login, jpo_admin, cases_data):
    actions.move_stage(case=cases_data.kanagawa_case, to_stage=Stage.HEARING, actor=jpo_admin)
    login(client, jpo_admin)

    def listed(query: str) -> set[str]:
        return {row.case.company.name for row in client.get(url("case_list") + query).context["rows"]}

    assert listed("?year=2024") == {fx.PUSH_COMPANY}
    assert listed("?stage=hearing") == {fx.KANAGAWA_COMPANY}
    assert listed("?origin=regional") == {fx.TOKYO_COMPANY, fx.KANAGAWA_COMPANY}
    assert listed("?year=2025&origin=push") == set()
    assert listed("?year=not-a-year") == set(cases_data.company_names)


def test_it_lists_cases_in_a_fixed_number_of_queries(
    client, login, jpo_admin, cases_data, django_assert_max_num_queries
):
    login(client, jpo_admin)
    # The page's count and the choices of the block and prefecture filters are three of them.
    with django_assert_max_num_queries(11 + NAVIGATION_QUERIES):
        client.get(url("case_list"))
    for number in range(10):
        company = fx.make_company(f"追加企業{number}", base12=f"2700000001{number:02d}", prefecture="pref-27")
        actions.open_case(company=company, actor=jpo_admin, opened_on=datetime.date(2025, 5, 1))
    with django_assert_max_num_queries(11 + NAVIGATION_QUERIES):
        response = client.get(url("case_list"))
    assert len(response.context["rows"]) == 13


# The case page


def test_it_shows_the_jpo_team_the_whole_case(client, login, jpo_viewer, cases_data):
    login(client, jpo_viewer)
    html = page(client, url("case_detail", cases_data.tokyo_case.pk))
    for text in (*SECRETS, cases_data.tokyo_case.company.corporate_number, "地域未来牽引企業", "中小企業"):
        assert text in html
    assert 'aria-current="step"' in html and "ヒアリング" in html
    assert "段階を変更" not in html  # a viewer does not move stages


def test_it_shows_a_referrer_the_status_but_no_notes_issues_or_outcomes(client, login, tokyo_editor, cases_data):
    login(client, tokyo_editor)
    html = page(client, url("case_detail", cases_data.tokyo_case.pk))
    assert fx.TOKYO_COMPANY in html and "紹介・掘り起こし" in html and "2025年6月2日（令和7年6月2日）" in html
    for text in (*SECRETS, cases_data.tokyo_case.company.corporate_number, "知財に関心の高い企業です", "段階を変更"):
        assert text not in html


@pytest.mark.parametrize("username", ["osaka_editor", "kanagawa_editor", "kanto_reviewer"])
def test_it_hides_a_case_from_bodies_outside_it(client, login, username, cases_data, django_user_model):
    login(client, django_user_model.objects.get(username=username))
    page(client, url("case_detail", cases_data.tokyo_case.pk), status=404)


def test_it_marks_an_overdue_stage_on_the_case_page(client, login, jpo_admin, cases_data):
    SupportCase.objects.filter(pk=cases_data.push_case.pk).update(stage_due_date=datetime.date(2024, 11, 1))
    login(client, jpo_admin)
    assert "期限超過" in page(client, url("case_detail", cases_data.push_case.pk))


def test_it_offers_a_model_case_once_the_case_is_closed(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    login(client, jpo_admin)
    assert "モデル事例を作成" not in page(client, url("case_detail", case.pk))
    actions.move_stage(case=case, to_stage=Stage.CLOSED, actor=jpo_admin)
    html = page(client, url("case_detail", case.pk))
    assert "モデル事例を作成" in html and url("model_case_edit", case.pk) in html
    assert "類似するモデル事例" in html


def test_it_shows_skipped_stages_in_the_stepper(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    for stage in (Stage.HEARING, Stage.ISSUE_EXTRACTION, Stage.AGREED, Stage.ACTIONS):
        actions.move_stage(case=case, to_stage=stage, actor=jpo_admin)
    login(client, jpo_admin)
    steps = client.get(url("case_detail", case.pk)).context["steps"]
    assert [s.state for s in steps] == ["done", "done", "done", "done", "skipped", "current", "todo", "todo"]


def test_it_adds_and_removes_issues_and_expert_support_on_the_case_page(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    login(client, jpo_admin)
    path = url("case_detail", case.pk)
    response = client.post(path, {"form": "issue", "category": IssueCategory.OVERSEAS, "description": "海外の商標"})
    assert response.status_code == 302 and response["Location"].endswith("#issues")
    issue = case.issues.get(description="海外の商標")
    client.post(path, {"form": "remove_issue", "issue": issue.pk})
    assert not case.issues.filter(pk=issue.pk).exists()
    response = client.post(
        path,
        {
            "form": "expert",
            "kind": ExpertSupportKind.DISPATCH,
            "expert_type": "弁理士",
            "hours": "4",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    support = case.expert_supports.get()
    client.post(path, {"form": "expert_status", "support": support.pk, "status": ExpertSupportStatus.DONE})
    support.refresh_from_db()
    assert support.status == ExpertSupportStatus.DONE
    assert client.post(path, {"form": "issue", "category": "other", "description": ""}).status_code == 422
    assert client.post(path, {"form": "unknown"}).status_code == 404


def test_it_refuses_changes_on_the_case_page_to_anyone_but_the_team(
    client, login, tokyo_editor, jpo_viewer, cases_data
):
    path = url("case_detail", cases_data.tokyo_case.pk)
    for user in (tokyo_editor, jpo_viewer):
        login(client, user)
        assert client.post(path, {"form": "issue", "category": "other", "description": "x"}).status_code == 403


# Moving a stage


def test_it_moves_the_stage_with_a_note_and_a_due_date(client, login, jpo_admin, cases_data):
    case = cases_data.tokyo_case
    login(client, jpo_admin)
    due = (fx.TODAY + datetime.timedelta(days=20)).isoformat()
    response = client.post(
        url("case_stage", case.pk),
        {"to_stage": Stage.HEARING, "note": "社長と面談を設定", "due_date": due, "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.HEARING and case.stage_due_date.isoformat() == due
    assert case.stage_changes.last().note == "社長と面談を設定"


def test_it_explains_a_stage_move_made_on_a_stale_page(client, login, jpo_admin, cases_data):
    case = cases_data.tokyo_case
    stale = case.version
    actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin)
    login(client, jpo_admin)
    response = client.post(url("case_stage", case.pk), {"to_stage": Stage.CLOSED, "version": stale})
    assert response.status_code == 422
    assert "他の利用者が同じ値を更新しています" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.HEARING


def test_it_refuses_a_stage_move_the_model_does_not_allow(client, login, jpo_admin, cases_data):
    case = cases_data.tokyo_case
    login(client, jpo_admin)
    response = client.post(url("case_stage", case.pk), {"to_stage": Stage.FOLLOW_UP, "version": case.version})
    assert response.status_code == 422
    assert "正しく選択してください" in response.content.decode() or "選択" in response.content.decode()


def test_it_refuses_stage_moves_to_others(client, login, tokyo_editor, jpo_viewer, osaka_editor, cases_data):
    case = cases_data.tokyo_case
    for user, status in ((tokyo_editor, 403), (jpo_viewer, 403), (osaka_editor, 404)):
        login(client, user)
        response = client.post(url("case_stage", case.pk), {"to_stage": Stage.HEARING, "version": case.version})
        assert response.status_code == status
    assert client.get(url("case_stage", case.pk)).status_code == 405


# Editing the record


def test_it_saves_the_record_and_its_outcomes(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    login(client, jpo_admin)
    assert page(client, url("case_edit", case.pk))
    response = client.post(
        url("case_edit", case.pk),
        {
            "hearing_notes": "新しいヒアリング記録",
            "actions_agreed": "商標出願",
            "follow_up_results": "",
            "followed_up_on": "2025-01-15",
            "outcome_ip_in_strategy": "true",
            "outcome_acted_on": "false",
            "outcome_business_growth": "unknown",
            "outcome_ip_acquired_or_used": "unknown",
            "stage_due_date": "2025-12-31",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.hearing_notes, case.outcome_ip_in_strategy, case.outcome_acted_on, case.outcome_business_growth) == (
        "新しいヒアリング記録",
        True,
        False,
        None,
    )
    assert AuditEntry.objects.filter(action="cases.case.updated", object_id=str(case.pk)).exists()


def test_it_keeps_the_input_when_someone_else_saved_first(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    stale = case.version
    actions.save_case_record(case=case, changes={"actions_agreed": "先に保存"}, expected_version=None, actor=jpo_admin)
    login(client, jpo_admin)
    response = client.post(
        url("case_edit", case.pk), {"hearing_notes": "後から入力", "version": stale, "outcome_acted_on": "unknown"}
    )
    assert response.status_code == 409
    assert "後から入力" in response.content.decode()
    case.refresh_from_db()
    assert case.actions_agreed == "先に保存"


def test_it_refuses_the_record_to_anyone_but_the_team(
    client, login, tokyo_editor, jpo_viewer, osaka_editor, cases_data
):
    path = url("case_edit", cases_data.tokyo_case.pk)
    for user, status in ((tokyo_editor, 403), (jpo_viewer, 403), (osaka_editor, 404)):
        login(client, user)
        assert client.get(path).status_code == status
        assert client.post(path, {"hearing_notes": "x", "version": 1}).status_code == status


# Referring a company


def referral(**overrides: str) -> dict[str, str]:
    data = {
        "opened_on": "2025-10-01",
        "corporate_number": "８０００－０２０１－３０００１",
        "name": "紹介テスト株式会社",
        "prefecture": str(Organization.objects.get(code="pref-13").pk),
        "industry": "精密機器",
        "sme_category": SmeCategory.MANUFACTURING,
        "employees": "80",
        "capital": "30,000,000",
        "tags": ["変革期"],
        "note": "展示会で知り合った",
        "referred_by": str(Organization.objects.get(code="pref-13").pk),
    }
    data.update(overrides)
    return data


def test_it_lets_a_prefecture_refer_a_new_company(client, login, tokyo_editor, db):
    login(client, tokyo_editor)
    html = page(client, url("case_create"))
    assert "紹介する" in html and 'name="origin"' not in html
    response = client.post(url("case_create"), referral())
    assert response.status_code == 302
    case = SupportCase.objects.get()
    assert (case.origin, case.referred_by.code, case.fiscal_year) == (Origin.REGIONAL, "pref-13", 2025)
    assert case.company.corporate_number == "8000020130001"
    assert [t.name for t in case.company.tags.all()] == ["変革期"]
    assert response["Location"] == url("case_detail", case.pk)


def test_it_shows_a_wrong_corporate_number_beside_the_field(client, login, tokyo_editor, db):
    login(client, tokyo_editor)
    response = client.post(url("case_create"), referral(corporate_number="1000020130001"))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_corporate_number-error"' in html and "法人番号のチェックデジットが一致しません。" in html
    assert not SupportCase.objects.exists()


def test_it_refers_a_company_already_registered_without_registering_it_twice(
    client, login, kanagawa_editor, cases_data
):
    login(client, kanagawa_editor)
    number = cases_data.kanagawa_case.company.corporate_number  # registered by 神奈川県 itself
    data = referral(corporate_number=number, name="", referred_by=str(Organization.objects.get(code="pref-14").pk))
    response = client.post(url("case_create"), data)
    assert response.status_code == 302
    assert Company.objects.filter(corporate_number=number).count() == 1
    assert SupportCase.objects.filter(company__corporate_number=number).count() == 2


def test_it_lets_the_jpo_team_open_a_push_case(client, login, jpo_admin, db):
    login(client, jpo_admin)
    assert 'name="origin"' in page(client, url("case_create"))
    response = client.post(url("case_create"), referral(origin=Origin.PUSH, referred_by=""))
    assert response.status_code == 302
    assert SupportCase.objects.get().origin == Origin.PUSH


@pytest.mark.parametrize("username", ["tokyo_viewer", "jpo_viewer", "kanto_reviewer"])
def test_it_refuses_the_referral_form_to_those_who_do_not_edit(client, login, username, django_user_model):
    login(client, django_user_model.objects.get(username=username))
    assert client.get(url("case_create")).status_code == 403
    assert client.post(url("case_create"), {}).status_code == 403


# Overdue cases


def test_it_lists_overdue_cases_the_user_may_see(client, login, jpo_admin, tokyo_editor, osaka_editor, cases_data):
    SupportCase.objects.update(stage_due_date=datetime.date(2026, 1, 1))
    SupportCase.objects.filter(pk=cases_data.tokyo_case.pk).update(stage_due_date=datetime.date(2025, 11, 3))
    login(client, jpo_admin)
    html = page(client, url("case_overdue"))
    assert fx.TOKYO_COMPANY in html and fx.KANAGAWA_COMPANY not in html and "期限超過" in html
    login(client, tokyo_editor)
    assert fx.TOKYO_COMPANY in page(client, url("case_overdue"))
    login(client, osaka_editor)
    assert fx.TOKYO_COMPANY not in page(client, url("case_overdue"))


# Companies


def test_it_lists_the_companies_of_the_users_organisation(client, login, tokyo_editor, jpo_viewer, cases_data):
    login(client, tokyo_editor)
    html = page(client, url("company_list"))
    assert fx.TOKYO_COMPANY in html and fx.KANAGAWA_COMPANY not in html
    login(client, jpo_viewer)
    html = page(client, url("company_list"))
    assert all(name in html for name in cases_data.company_names)


def test_it_lists_companies_in_a_fixed_number_of_queries(
    client, login, jpo_viewer, cases_data, django_assert_max_num_queries
):
    for number in range(5):
        fx.make_company(f"追加企業{number}", base12=f"0100000002{number:02d}", tags=("スタートアップ",))
    login(client, jpo_viewer)
    with django_assert_max_num_queries(6 + NAVIGATION_QUERIES):
        client.get(url("company_list"))


def test_it_shows_a_company_with_its_cases(client, login, tokyo_editor, cases_data):
    login(client, tokyo_editor)
    html = page(client, url("company_detail", cases_data.tokyo_case.company_id))
    assert fx.TOKYO_COMPANY in html and "中小企業" in html and "地域未来牽引企業" in html
    page(client, url("company_detail", cases_data.kanagawa_case.company_id), status=404)


def test_it_registers_a_company_and_names_a_duplicate_only_to_those_who_see_it(
    client, login, tokyo_editor, osaka_editor, cases_data
):
    login(client, tokyo_editor)
    response = client.post(url("company_create"), referral(corporate_number="4000020270008", name="大阪テスト"))
    assert response.status_code == 302
    assert Company.objects.get(corporate_number="4000020270008").registered_by.code == "pref-13"
    taken = cases_data.tokyo_case.company.corporate_number
    response = client.post(url("company_create"), referral(corporate_number=taken))
    assert response.status_code == 422
    assert f"この法人番号の企業はすでに登録されています（{fx.TOKYO_COMPANY}）。" in response.content.decode()
    login(client, osaka_editor)  # issue 9: another body's number is no duplicate, and nothing reveals it
    response = client.post(url("company_create"), referral(corporate_number=taken))
    html = response.content.decode()
    assert response.status_code == 302 and fx.TOKYO_COMPANY not in html


def test_it_refuses_company_registration_to_viewers(client, login, tokyo_viewer):
    login(client, tokyo_viewer)
    assert client.get(url("company_create")).status_code == 403


# Drilling through from a KPI to its cases


def test_it_lists_the_cases_behind_a_counted_kpi(client, login, jpo_viewer, plan3_counted, cases_data):
    core = Kpi.objects.get(plan=plan3_counted, code="core-model-case-support")
    login(client, jpo_viewer)
    html = page(client, url("kpi_drill", core.pk, 2025))
    assert fx.TOKYO_COMPANY in html and fx.KANAGAWA_COMPANY in html and fx.PUSH_COMPANY not in html
    assert "2件" in html


def test_it_drills_through_without_company_names_the_user_may_not_see(
    client, login, tokyo_editor, plan3_counted, cases_data
):
    core = Kpi.objects.get(plan=plan3_counted, code="core-model-case-support")
    login(client, tokyo_editor)
    html = page(client, url("kpi_drill", core.pk, 2025))
    assert fx.TOKYO_COMPANY in html  # its own referral
    assert fx.KANAGAWA_COMPANY not in html and "（企業名は非表示）" in html


def test_it_refuses_the_drill_through_of_a_kpi_not_counted_or_not_visible(
    client, login, jpo_admin, tokyo_editor, plan3_counted
):
    typed = Kpi.objects.get(plan=plan3_counted, code="agency-window-consultations")
    login(client, jpo_admin)
    page(client, url("kpi_drill", typed.pk, 2025), status=404)
    osaka_kpi = Kpi.objects.create(
        plan=plan3_counted,
        code="osaka-own",
        kind="regional",
        name="大阪府の指標",
        owner=Organization.objects.get(code="pref-27"),
        unit="件",
        counting_rule="cases_started",
    )
    login(client, tokyo_editor)
    page(client, url("kpi_drill", osaka_kpi.pk, 2025), status=404)


# Company data never reaches another organisation


def test_it_never_shows_another_organisations_company_data_on_any_page(
    client, login, osaka_editor, plan3_counted, cases_data
):
    login(client, osaka_editor)
    pages = [url(name) for name in ("case_list", "case_overdue", "case_create", "company_list", "company_create")]
    pages += [
        url("kpi_drill", kpi.pk, year)
        for kpi in Kpi.objects.filter(plan=plan3_counted).exclude(counting_rule="")
        for year in (2024, 2025)
    ]
    pages += [reverse("kpis:dashboard")]
    for path in pages:
        html = page(client, path)
        for secret in (*cases_data.company_names, *SECRETS, cases_data.tokyo_case.company.corporate_number):
            assert secret not in html, (path, secret)
    for case in (cases_data.tokyo_case, cases_data.kanagawa_case, cases_data.push_case):
        for path in (url("case_detail", case.pk), url("case_edit", case.pk), url("company_detail", case.company_id)):
            assert client.get(path).status_code == 404


def test_it_shows_demo_cases_with_a_label(client, login, jpo_admin, cases_data):
    SupportCase.objects.filter(pk=cases_data.push_case.pk).update(is_demo=True)
    login(client, jpo_admin)
    assert 'class="demo-tag"' in page(client, url("case_detail", cases_data.push_case.pk))


def test_it_keeps_the_capital_in_yen(client, login, jpo_admin, cases_data):
    company = cases_data.tokyo_case.company
    assert company.capital == Decimal(50_000_000)
    login(client, jpo_admin)
    assert "50,000,000円" in page(client, url("company_detail", company.pk))
