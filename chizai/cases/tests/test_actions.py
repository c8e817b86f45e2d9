"""The writes of hands-on support: companies, referrals, every stage move, the case record, issues, experts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chizai.audit.models import AuditEntry
from chizai.cases import actions
from chizai.cases.models import (
    ALLOWED_STAGE_MOVES,
    STAGE_ORDER,
    Company,
    ExpertSupportKind,
    ExpertSupportStatus,
    IssueCategory,
    Origin,
    SmeCategory,
    Stage,
    StageChange,
    SupportCase,
)
from chizai.cases.tests import fixtures_cases as fx
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.fixtures_views import PLAN3_FILE

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db


def entries(code: str, obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=code, object_id=str(obj.pk)).order_by("pk"))


# Companies


def test_it_registers_a_company_under_its_normalised_corporate_number_with_an_audit_entry(org, tokyo_editor):
    company = actions.create_company(
        corporate_number="８０００－０２０１－３０００１",
        name=" 都庁テスト株式会社 ",
        prefecture=org("pref-13"),
        industry="サービス",
        sme_category=SmeCategory.SERVICE,
        tags=["スタートアップ", "変革期", "スタートアップ"],
        registered_by=org("pref-13"),
        actor=tokyo_editor,
    )
    assert company.corporate_number == "8000020130001"
    assert company.name == "都庁テスト株式会社"
    assert sorted(t.name for t in company.tags.all()) == ["スタートアップ", "変革期"]
    [entry] = entries("cases.company.created", company)
    assert entry.actor == tokyo_editor
    assert entry.changes["corporate_number"] == [None, "8000020130001"]


def test_it_refuses_a_corporate_number_with_a_wrong_check_digit(org, tokyo_editor):
    with pytest.raises(ValidationError, match="法人番号のチェックデジットが一致しません"):
        actions.create_company(
            corporate_number="1000020130001",
            name="誤り株式会社",
            prefecture=org("pref-13"),
            industry="製造",
            sme_category=SmeCategory.MANUFACTURING,
            registered_by=org("pref-13"),
            actor=tokyo_editor,
        )
    assert not Company.objects.exists()


def _register_again(number: str, actor, org) -> None:
    actions.create_company(
        corporate_number=number,
        name="二重登録株式会社",
        prefecture=org("pref-27"),
        industry="製造",
        sme_category=SmeCategory.MANUFACTURING,
        registered_by=org("pref-27"),
        actor=actor,
    )


def test_it_names_the_registered_company_to_those_who_may_see_it(cases_data, jpo_admin, tokyo_editor, org):
    number = cases_data.tokyo_case.company.corporate_number
    for user in (jpo_admin, tokyo_editor):
        with pytest.raises(ValidationError) as error:
            _register_again(number, user, org)
        assert error.value.messages == [f"この法人番号の企業はすでに登録されています（{fx.TOKYO_COMPANY}）。"]


def test_it_keeps_another_bodys_record_of_the_number_out_of_sight(cases_data, osaka_editor, org):
    # Issue 9, defect 1: this used to answer 「この法人番号の企業はすでに登録されています。」, which told 大阪府
    # that someone had registered the number. Now 大阪府 registers its own record, as for an unknown number.
    _register_again(cases_data.tokyo_case.company.corporate_number, osaka_editor, org)
    assert Company.objects.visible_to(osaka_editor).get().name == "二重登録株式会社"


@pytest.mark.parametrize(
    ("category", "capital", "employees", "is_sme"),
    [
        # 製造業その他: 3億円以下 or 300人以下
        (SmeCategory.MANUFACTURING, 300_000_000, 1000, True),
        (SmeCategory.MANUFACTURING, 300_000_001, 300, True),
        (SmeCategory.MANUFACTURING, 300_000_001, 301, False),
        # 卸売業: 1億円以下 or 100人以下
        (SmeCategory.WHOLESALE, 100_000_000, 500, True),
        (SmeCategory.WHOLESALE, 100_000_001, 100, True),
        (SmeCategory.WHOLESALE, 100_000_001, 101, False),
        # サービス業: 5千万円以下 or 100人以下
        (SmeCategory.SERVICE, 50_000_000, 500, True),
        (SmeCategory.SERVICE, 50_000_001, 100, True),
        (SmeCategory.SERVICE, 50_000_001, 101, False),
        # 小売業: 5千万円以下 or 50人以下
        (SmeCategory.RETAIL, 50_000_000, 500, True),
        (SmeCategory.RETAIL, 50_000_001, 50, True),
        (SmeCategory.RETAIL, 50_000_001, 51, False),
        # Either condition suffices; one unknown figure is judged on the other; none known: no judgement.
        (SmeCategory.RETAIL, None, 50, True),
        (SmeCategory.RETAIL, None, 51, False),
        (SmeCategory.WHOLESALE, 90_000_000, None, True),
        (SmeCategory.MANUFACTURING, None, None, None),
    ],
)
def test_it_flags_smes_by_the_thresholds_of_their_industry(category, capital, employees, is_sme):
    company = Company(sme_category=category, employees=employees, capital=None if capital is None else Decimal(capital))
    assert company.is_sme is is_sme


# Starting a case


def test_it_records_a_referral_as_regional_discovery_supported_by_jpo(cases_data, tokyo_editor):
    case = cases_data.tokyo_case
    assert (case.origin, case.referred_by.code, case.support_team.code) == (Origin.REGIONAL, "pref-13", "jpo")
    assert (case.stage, case.fiscal_year, case.opened_on) == (Stage.REFERRAL, 2025, datetime.date(2025, 6, 2))
    assert case.stage_due_date == datetime.date(2025, 7, 2)  # 30 days for the referral stage
    [change] = case.stage_changes.all()
    assert (change.from_stage, change.to_stage, change.actor, change.note) == (
        "",
        Stage.REFERRAL,
        tokyo_editor,
        "知財に関心の高い企業です",
    )
    [entry] = entries("cases.case.referred", case)
    assert entry.actor == tokyo_editor and entry.changes["origin"] == [None, Origin.REGIONAL]


def test_it_takes_the_fiscal_year_from_the_date_the_case_was_opened(cases_data):
    assert cases_data.push_case.fiscal_year == 2024
    assert cases_data.push_case.origin == Origin.PUSH and cases_data.push_case.referred_by is None
    assert entries("cases.case.opened", cases_data.push_case)


def test_it_registers_a_new_company_with_the_referral(org, tokyo_editor):
    data = actions.CompanyData(
        corporate_number=fx.corporate_number("130000000099"),
        name="新規紹介株式会社",
        prefecture=org("pref-13"),
        industry="食品製造",
        sme_category=SmeCategory.MANUFACTURING,
    )
    case = actions.refer_case(company=data, referred_by=org("pref-13"), actor=tokyo_editor)
    assert case.company.name == "新規紹介株式会社"
    assert case.company.registered_by.code == "pref-13"


def test_it_refuses_a_referral_in_the_name_of_another_body(cases_data, tokyo_editor, tokyo_viewer, org):
    company = cases_data.tokyo_case.company
    with pytest.raises(PermissionDenied):
        actions.refer_case(company=company, referred_by=org("pref-27"), actor=tokyo_editor)
    with pytest.raises(PermissionDenied):
        actions.refer_case(company=company, referred_by=org("pref-13"), actor=tokyo_viewer)


def test_it_lets_the_jpo_team_record_a_referral_in_a_bodys_name(cases_data, jpo_admin, org):
    case = actions.refer_case(company=cases_data.push_case.company, referred_by=org("window-01"), actor=jpo_admin)
    assert case.referred_by.code == "window-01"


def test_it_lets_only_jpo_editors_open_push_cases(cases_data, tokyo_editor, jpo_viewer):
    for user in (tokyo_editor, jpo_viewer):
        with pytest.raises(PermissionDenied):
            actions.open_case(company=cases_data.tokyo_case.company, actor=user)


# Stage moves

ALL_MOVES = [(a, b) for a in STAGE_ORDER for b in STAGE_ORDER if a != b]


def _case_in(stage: str, cases_data) -> SupportCase:
    case = cases_data.push_case
    SupportCase.objects.filter(pk=case.pk).update(stage=stage)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("from_stage", "to_stage"), [m for m in ALL_MOVES if m[1] in ALLOWED_STAGE_MOVES[m[0]]])
def test_it_allows_the_moves_of_the_accompanying_support_model(cases_data, jpo_admin, from_stage, to_stage):
    case = _case_in(from_stage, cases_data)
    actions.move_stage(case=case, to_stage=to_stage, actor=jpo_admin, note="移行", on=datetime.date(2025, 5, 1))
    case.refresh_from_db()
    assert case.stage == to_stage
    last = case.stage_changes.last()
    assert (last.from_stage, last.to_stage, last.actor, last.note) == (from_stage, to_stage, jpo_admin, "移行")


@pytest.mark.parametrize(("from_stage", "to_stage"), [m for m in ALL_MOVES if m[1] not in ALLOWED_STAGE_MOVES[m[0]]])
def test_it_refuses_every_other_move_in_japanese(cases_data, jpo_admin, from_stage, to_stage):
    case = _case_in(from_stage, cases_data)
    changes = StageChange.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.move_stage(case=case, to_stage=to_stage, actor=jpo_admin)
    assert f"「{Stage(from_stage).label}」から「{Stage(to_stage).label}」へは移れません" in error.value.messages[0]
    case.refresh_from_db()
    assert case.stage == from_stage and StageChange.objects.count() == changes


def test_it_refuses_a_move_to_the_same_or_an_unknown_stage(cases_data, jpo_admin):
    case = cases_data.push_case
    with pytest.raises(ValidationError, match="すでに「紹介・掘り起こし」の段階です"):
        actions.move_stage(case=case, to_stage=Stage.REFERRAL, actor=jpo_admin)
    with pytest.raises(ValidationError, match="不明な段階です"):
        actions.move_stage(case=case, to_stage="publication", actor=jpo_admin)


def test_it_sets_the_default_due_date_of_the_new_stage_unless_one_is_given(cases_data, jpo_admin):
    case = cases_data.push_case
    on = datetime.date(2025, 5, 1)
    actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin, on=on)
    assert case.stage_due_date == on + datetime.timedelta(days=actions.DEFAULT_STAGE_DAYS[Stage.HEARING])
    actions.move_stage(
        case=case, to_stage=Stage.ISSUE_EXTRACTION, actor=jpo_admin, on=on, due_date=datetime.date(2025, 5, 9)
    )
    case.refresh_from_db()
    assert case.stage_due_date == datetime.date(2025, 5, 9)
    assert case.stage_changes.last().due_date == datetime.date(2025, 5, 9)


def test_it_refuses_a_due_date_in_the_past(cases_data, jpo_admin):
    with pytest.raises(ValidationError, match="期限は今日以降"):
        actions.move_stage(
            case=cases_data.push_case,
            to_stage=Stage.HEARING,
            actor=jpo_admin,
            on=datetime.date(2025, 5, 1),
            due_date=datetime.date(2025, 4, 30),
        )


def test_it_closes_a_case_with_its_end_date_and_no_due_date(cases_data, jpo_admin):
    case = _case_in(Stage.FOLLOW_UP, cases_data)
    actions.move_stage(case=case, to_stage=Stage.CLOSED, actor=jpo_admin, on=datetime.date(2025, 12, 1))
    case.refresh_from_db()
    assert (case.closed_on, case.stage_due_date) == (datetime.date(2025, 12, 1), None)
    with pytest.raises(ValidationError, match="終了した案件の段階は変更できません"):
        actions.move_stage(case=case, to_stage=Stage.FOLLOW_UP, actor=jpo_admin)


def test_it_audits_each_move_with_its_note_as_the_reason(cases_data, jpo_admin):
    case = cases_data.push_case
    actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin, note="社長と面談")
    [entry] = entries("cases.case.stage_moved", case)
    assert entry.changes["stage"] == [Stage.REFERRAL, Stage.HEARING]
    assert entry.reason == "社長と面談" and entry.actor == jpo_admin


def test_it_refuses_a_stage_move_from_anyone_but_the_support_team(cases_data, tokyo_editor, jpo_viewer):
    for user in (tokyo_editor, jpo_viewer):
        with pytest.raises(PermissionDenied):
            actions.move_stage(case=cases_data.tokyo_case, to_stage=Stage.HEARING, actor=user)


def test_it_refuses_a_stage_move_made_on_a_stale_page(cases_data, jpo_admin):
    case = cases_data.push_case
    seen = case.version
    actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin, expected_version=seen)
    with pytest.raises(ConflictError):
        actions.move_stage(case=case, to_stage=Stage.ISSUE_EXTRACTION, actor=jpo_admin, expected_version=seen)


# The case record


def test_it_saves_the_case_record_with_a_version_check_and_an_audit_entry(cases_data, jpo_admin):
    case = cases_data.push_case
    seen = case.version
    actions.save_case_record(
        case=case,
        changes={"actions_agreed": "商標を出願する", "outcome_acted_on": True},
        expected_version=seen,
        actor=jpo_admin,
    )
    case.refresh_from_db()
    assert (case.actions_agreed, case.outcome_acted_on, case.version) == ("商標を出願する", True, seen + 1)
    entry = entries("cases.case.updated", case)[-1]
    assert entry.changes == {"actions_agreed": ["", "商標を出願する"], "outcome_acted_on": [None, True]}
    with pytest.raises(ConflictError):
        actions.save_case_record(
            case=case, changes={"actions_agreed": "上書き"}, expected_version=seen, actor=jpo_admin
        )


def test_it_writes_nothing_when_the_record_did_not_change(cases_data, jpo_admin):
    case = cases_data.push_case
    version = case.version
    count = AuditEntry.objects.count()
    actions.save_case_record(
        case=case, changes={"hearing_notes": fx.HEARING_SECRET}, expected_version=version, actor=jpo_admin
    )
    case.refresh_from_db()
    assert case.version == version and AuditEntry.objects.count() == count


def test_it_refuses_fields_outside_the_record_and_writers_outside_the_team(cases_data, jpo_admin, tokyo_editor):
    with pytest.raises(ValueError):
        actions.save_case_record(
            case=cases_data.push_case, changes={"stage": Stage.CLOSED}, expected_version=None, actor=jpo_admin
        )
    with pytest.raises(PermissionDenied):
        actions.save_case_record(
            case=cases_data.tokyo_case, changes={"hearing_notes": "x"}, expected_version=None, actor=tokyo_editor
        )


# Issues and expert support


def test_it_adds_and_removes_issues_with_audit_entries(cases_data, jpo_admin):
    case = cases_data.push_case
    issue = actions.add_issue(case=case, category=IssueCategory.BRANDING, description=" 商標の整理 ", actor=jpo_admin)
    assert issue.description == "商標の整理"
    assert entries("cases.issue.added", issue)
    pk = issue.pk
    actions.remove_issue(issue=issue, actor=jpo_admin)
    assert not case.issues.filter(pk=pk).exists()
    [removed] = AuditEntry.objects.filter(action="cases.issue.removed", object_id=str(pk))
    assert removed.changes["description"] == ["商標の整理", None]


def test_it_refuses_an_empty_issue(cases_data, jpo_admin):
    with pytest.raises(ValidationError, match="課題の内容を入力してください"):
        actions.add_issue(case=cases_data.push_case, category=IssueCategory.OTHER, description="  ", actor=jpo_admin)


def test_it_records_and_updates_expert_support(cases_data, jpo_admin, tokyo_editor):
    case = cases_data.push_case
    support = actions.add_expert_support(
        case=case,
        kind=ExpertSupportKind.DISPATCH,
        expert_type="弁理士",
        hours=Decimal("6.5"),
        start_date=datetime.date(2025, 6, 1),
        actor=jpo_admin,
    )
    assert support.status == ExpertSupportStatus.PLANNED
    actions.update_expert_support(
        support=support,
        changes={"status": ExpertSupportStatus.DONE, "end_date": datetime.date(2025, 7, 1)},
        actor=jpo_admin,
    )
    support.refresh_from_db()
    assert (support.status, support.end_date) == (ExpertSupportStatus.DONE, datetime.date(2025, 7, 1))
    [entry] = entries("cases.expert_support.updated", support)
    assert entry.changes["status"] == [ExpertSupportStatus.PLANNED, ExpertSupportStatus.DONE]
    with pytest.raises(ValidationError, match="終了日は開始日以降"):
        actions.update_expert_support(support=support, changes={"end_date": datetime.date(2025, 5, 1)}, actor=jpo_admin)
    with pytest.raises(PermissionDenied):
        actions.add_expert_support(
            case=case, kind=ExpertSupportKind.ACCELERATED, expert_type="弁護士", actor=tokyo_editor
        )


# The KPIs counted from cases follow every write


def _figure(kpi: Kpi, year: int) -> Actual | None:
    return Actual.objects.filter(kpi=kpi, start_year=year, end_year=year, half=HalfChoice.FULL).first()


def test_it_recomputes_the_plans_counted_kpis_after_referrals_moves_and_outcomes(org, tokyo_editor, jpo_admin):
    plan = load_plan_file(PLAN3_FILE).plan
    core = Kpi.objects.get(plan=plan, code="core-model-case-support")
    regional = Kpi.objects.get(plan=plan, code="core-regional-discovery")
    share = Kpi.objects.get(plan=plan, code="effect-ip-in-strategy")
    company = fx.make_company("集計確認株式会社", base12="130000000777")
    case = actions.refer_case(
        company=company, referred_by=org("pref-13"), actor=tokyo_editor, opened_on=datetime.date(2025, 9, 1)
    )
    assert _figure(core, 2025).value == 1 and _figure(regional, 2025).value == 1
    assert _figure(core, 2025).source == ActualSource.COMPUTED
    assert _figure(share, 2025) is None
    actions.save_case_record(
        case=case,
        changes={
            "followed_up_on": datetime.date(2025, 12, 1),
            "outcome_ip_in_strategy": True,
            "outcome_acted_on": True,
        },
        expected_version=case.version,
        actor=jpo_admin,
    )
    share_2025 = _figure(share, 2025)
    assert (share_2025.numerator, share_2025.denominator) == (1, 1)


def test_it_starts_a_back_dated_referral_on_the_day_it_was_received(cases_data):
    case = cases_data.tokyo_case
    first = case.stage_changes.get()
    assert first.at.date() == datetime.date(2025, 6, 2) and case.stage_entered_at == first.at


def test_it_refuses_a_referral_received_in_the_future(cases_data, tokyo_editor, org):
    with pytest.raises(ValidationError, match="受付日は今日以前の日付にしてください"):
        actions.refer_case(
            company=cases_data.tokyo_case.company,
            referred_by=org("pref-13"),
            actor=tokyo_editor,
            opened_on=fx.TODAY + datetime.timedelta(days=1),
        )


def test_it_refuses_a_move_dated_before_the_current_stage_began(cases_data, jpo_admin):
    with pytest.raises(ValidationError, match="現在の段階の開始日より前"):
        actions.move_stage(
            case=cases_data.tokyo_case, to_stage=Stage.HEARING, actor=jpo_admin, on=datetime.date(2025, 6, 1)
        )
