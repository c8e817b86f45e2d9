"""Demo hands-on support cases (架空のデモ案件), loaded by `chizai load_demo`."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from chizai.audit.models import AuditEntry
from chizai.cases.counting import recompute_plan
from chizai.cases.demo import ACTOR_LABEL, corporate_number, demo_cases
from chizai.cases.model_cases import model_case_flags
from chizai.cases.models import (
    CaseIssue,
    Company,
    CompanyTag,
    ExpertSupport,
    ModelCase,
    ModelCaseStatus,
    Origin,
    Stage,
    StageChange,
    SupportCase,
)
from chizai.kpis.models import Actual, ActualSource, HalfChoice, Plan
from chizai.lib.corporate_number import validate_corporate_number
from chizai.testing import CAST_PASSWORD, demo_for_module

COUNTED = ("core-model-case-support", "core-regional-discovery", "effect-ip-in-strategy")


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Plan 3 and the demo, loaded once for the module (loads into other states: test_demo_cases_fresh.py)."""
    with demo_for_module(django_db_blocker):
        yield


@pytest.fixture
def demo_plan(loaded: None, db: None) -> Plan:
    return Plan.objects.get(number=3)


def counts() -> dict[str, Any]:
    return {
        "companies": list(Company.objects.values_list("pk", "name", "corporate_number")),
        "cases": list(SupportCase.objects.values_list("pk", "stage", "version")),
        "stage_changes": StageChange.objects.count(),
        "issues": CaseIssue.objects.count(),
        "experts": ExpertSupport.objects.count(),
        "model_cases": list(ModelCase.objects.values_list("pk", "status", "version")),
        "tags": CompanyTag.objects.count(),
        "actuals": list(Actual.objects.values_list("pk", "version", "value", "numerator", "denominator")),
        "audit": AuditEntry.objects.count(),
    }


def test_it_creates_labelled_demo_companies_with_valid_corporate_numbers(demo_plan: Plan) -> None:
    companies = list(Company.objects.prefetch_related("tags").select_related("prefecture"))

    assert len(companies) == len(demo_cases())
    assert all(c.is_demo and c.name.startswith("【デモ】") for c in companies)
    assert Company.objects.filter(name="【デモ】みなと精密工業株式会社").exists()
    for company in companies:
        assert validate_corporate_number(company.corporate_number) == company.corporate_number
    assert len({c.prefecture_id for c in companies}) >= 20
    tags = {tag.name for c in companies for tag in c.tags.all()}
    assert {"地域未来牽引企業", "Go-Tech採択", "スタートアップ", "変革期"} <= tags
    sme = [c.is_sme for c in companies]
    assert sme.count(True) > sme.count(False) > 0


def test_it_computes_check_digits_like_the_national_tax_agency() -> None:
    assert corporate_number(1) == "8999900000001"
    for index in (1, 2, 99, 186, 9_999_999):
        validate_corporate_number(corporate_number(index))


def test_it_creates_cases_in_every_stage_with_a_plausible_history(demo_plan: Plan) -> None:
    cases = list(SupportCase.objects.prefetch_related("stage_changes", "issues", "expert_supports"))

    assert all(case.is_demo for case in cases)
    assert {case.stage for case in cases} == set(Stage.values)
    assert {case.fiscal_year for case in cases} == {2023, 2024, 2025}
    for year in (2023, 2024, 2025):
        assert {c.origin for c in cases if c.fiscal_year == year} == {Origin.PUSH, Origin.REGIONAL}
    referrers = {c.referred_by.kind for c in cases if c.referred_by}
    assert referrers == {"prefecture", "support_body"}
    for case in cases:
        history = list(case.stage_changes.all())
        assert history[0].from_stage == "" and history[0].to_stage == Stage.REFERRAL
        assert history[-1].to_stage == case.stage
        assert all(a.to_stage == b.from_stage and a.at < b.at for a, b in zip(history, history[1:], strict=False))
        assert all(b.to_stage in _moves(a.to_stage) for a, b in zip(history, history[1:], strict=False))
        assert history[0].at.date() == case.opened_on
        assert case.stage_entered_at == history[-1].at
        assert (case.stage == Stage.CLOSED) == (case.closed_on is not None)
        if case.stage not in (Stage.REFERRAL, Stage.HEARING, Stage.CLOSED):
            assert case.issues.exists() and case.hearing_notes.startswith("【デモ】")
    closed = [c for c in cases if c.stage == Stage.CLOSED]
    assert any(c.followed_up_on is None for c in closed)  # a few closed early, without follow-up
    followed = [c for c in cases if c.followed_up_on]
    assert all(c.outcome_ip_in_strategy is not None and c.outcome_acted_on is not None for c in followed)
    assert (
        ExpertSupport.objects.filter(kind="dispatch").exists()
        and ExpertSupport.objects.filter(kind="accelerated").exists()
    )
    assert len(set(CaseIssue.objects.values_list("category", flat=True))) >= 10


def _moves(stage: str) -> tuple[str, ...]:
    from chizai.cases.models import ALLOWED_STAGE_MOVES

    return ALLOWED_STAGE_MOVES[stage]


def test_it_creates_model_cases_in_each_state_with_clean_published_texts(demo_plan: Plan) -> None:
    model_cases = list(ModelCase.objects.select_related("case", "case__company", "region"))

    assert {m.status for m in model_cases} >= {
        ModelCaseStatus.DRAFT,
        ModelCaseStatus.SUBMITTED,
        ModelCaseStatus.PUBLISHED,
    }
    for model_case in model_cases:
        assert model_case.case.is_demo and model_case.case.stage == Stage.CLOSED
        assert model_case.region == model_case.case.company.prefecture
        if model_case.status != ModelCaseStatus.DRAFT:
            assert model_case.consent_recorded and model_case.consent_date
            assert model_case_flags(model_case) == {"タイトル": [], "概要": []}
    published = [m for m in model_cases if m.status == ModelCaseStatus.PUBLISHED]
    assert all(m.published_at and m.approved_by and m.search_text for m in published)


def test_it_counts_the_case_based_kpis_from_the_demo_cases(demo_plan: Plan) -> None:
    actuals = Actual.objects.filter(kpi__plan=demo_plan, kpi__code__in=COUNTED, half=HalfChoice.FULL)
    figures = {(a.kpi.code, a.start_year): (a.value, a.numerator, a.denominator) for a in actuals.select_related("kpi")}

    assert set(actuals.values_list("source", flat=True)) == {ActualSource.COMPUTED}
    assert not Actual.objects.filter(kpi__plan=demo_plan, kpi__code__in=COUNTED).exclude(half=HalfChoice.FULL)
    assert [figures[("core-model-case-support", y)][0] for y in (2023, 2024, 2025)] == [63, 61, 62]
    assert [figures[("core-regional-discovery", y)][0] for y in (2023, 2024, 2025)] == [6, 9, 16]
    assert [figures[("effect-ip-in-strategy", y)][1:] for y in (2023, 2024, 2025)] == [
        (Decimal(11), Decimal(18)),
        (Decimal(40), Decimal(61)),
        (Decimal(41), Decimal(62)),
    ]
    assert SupportCase.objects.filter(fiscal_year=2024).count() == 61


def test_it_changes_nothing_when_run_twice(demo_plan: Plan) -> None:
    before = counts()

    output = StringIO()
    call_command("load_demo", stdout=output)

    assert counts() == before
    assert "ハンズオン支援（デモ）: 追加 0件（変更なし）" in output.getvalue()
    assert not any(r.outcome == "written" for r in recompute_plan(demo_plan, actor=None).results)


def test_it_audits_each_creation_as_the_demo_loader(demo_plan: Plan) -> None:
    entries = AuditEntry.objects.filter(actor_label=ACTOR_LABEL, action__startswith="cases.")

    assert not entries.exclude(actor=None).exists()
    assert entries.filter(action="cases.company.created").count() == Company.objects.count()
    referred = SupportCase.objects.filter(origin=Origin.REGIONAL).count()
    assert entries.filter(action="cases.case.referred").count() == referred
    assert entries.filter(action="cases.case.opened").count() == SupportCase.objects.count() - referred
    assert entries.filter(action="cases.model_case.created").count() == ModelCase.objects.count()


def test_it_generates_the_same_cases_every_time() -> None:
    first, second = demo_cases(), demo_cases()

    assert [(c.company, c.history, c.issues, c.outcomes) for c in first] == [
        (c.company, c.history, c.issues, c.outcomes) for c in second
    ]


def test_it_lets_jpo_browse_and_edit_the_demo_in_the_admin_with_an_audit_trail(demo_plan: Plan, client: Any) -> None:
    assert client.login(username="jpo_admin", password=CAST_PASSWORD)
    for path in ("company", "companytag", "supportcase", "modelcase"):
        assert client.get(f"/admin/cases/{path}/").status_code == 200, path
    case = SupportCase.objects.filter(stage=Stage.CLOSED, expert_supports__isnull=False).first()
    assert case is not None
    assert client.get(f"/admin/cases/supportcase/{case.pk}/change/").status_code == 200
    company = Company.objects.get(name="【デモ】みなと精密工業株式会社")
    lacking = CompanyTag.objects.exclude(companies=company).order_by("name")
    assert client.get("/admin/cases/company/", {"q": company.corporate_number}).context["cl"].result_count == 1

    response = client.post(
        f"/admin/cases/company/{company.pk}/change/",
        {
            "corporate_number": company.corporate_number,
            "name": company.name,
            "prefecture": company.prefecture_id,
            "industry": "金属加工業",
            "sme_category": company.sme_category,
            "employees": 120,
            "capital": "",
            "tags": [tag.pk for tag in lacking],
            "registered_by": company.registered_by_id,
            "is_demo": "on",
        },
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="cases.company.updated", object_id=str(company.pk)).get()
    assert entry.actor.username == "jpo_admin" and entry.reason == "管理画面"
    assert entry.changes["industry"] == [company.industry, "金属加工業"]
    assert entry.changes["tags"][1] == sorted(tag.name for tag in lacking)


class FormValues(HTMLParser):
    """What a browser would submit from the page's main form: inputs, checked boxes, selected options, text."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            text = self.values[self._textarea][0]
            self.values[self._textarea][0] = text + (data if text else data.removeprefix("\n"))  # as browsers do


def test_it_audits_a_case_and_its_inline_issues_changed_in_the_admin(demo_plan: Plan, client: Any) -> None:
    assert client.login(username="jpo_admin", password=CAST_PASSWORD)
    case = SupportCase.objects.filter(stage=Stage.CLOSED, expert_supports__isnull=False).first()
    assert case is not None
    url = f"/admin/cases/supportcase/{case.pk}/change/"
    history = list(case.stage_changes.values_list("pk", "to_stage", "at"))
    parser = FormValues()
    parser.feed(client.get(url).content.decode())
    data = {name: values for name, values in parser.values.items() if name != "csrfmiddlewaretoken"}
    extra = int(data["issues-TOTAL_FORMS"][0])
    data["issues-TOTAL_FORMS"] = [str(extra + 1)]
    data[f"issues-{extra}-category"] = ["licensing"]
    data[f"issues-{extra}-description"] = ["共同研究の成果の扱い"]
    data["hearing_notes"] = ["管理画面で追記したヒアリング記録"]

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    updated = AuditEntry.objects.get(action="cases.case.updated", object_id=str(case.pk))
    assert updated.changes["hearing_notes"][1] == "管理画面で追記したヒアリング記録"
    assert updated.actor.username == "jpo_admin" and updated.reason == "管理画面"
    issue = AuditEntry.objects.get(action="cases.issue.created")
    assert issue.changes["description"] == [None, "共同研究の成果の扱い"]
    case.refresh_from_db()
    assert case.version == 2 and case.stage == Stage.CLOSED
    assert list(case.stage_changes.values_list("pk", "to_stage", "at")) == history  # read-only here
