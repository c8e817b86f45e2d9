"""The end-of-plan evaluation (計画期間終了時の評価): every KPI over the plan, scoped like the dashboard."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.kpis.achievement import ItemsMet
from chizai.kpis.figures import refresh as refresh_figures
from chizai.kpis.models import Actual, Kpi, KpiKind, Plan, Target
from chizai.kpis.planfile import load_plan_file
from chizai.organizations.models import Organization
from chizai.pdca.actions import ensure_periods
from chizai.pdca.compilation import end_of_plan_evaluation
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status
from chizai.testing import NAVIGATION_QUERIES

PLAN_2 = Path(settings.PROJECT_DIR) / "plans" / "2nd_regional_ip_action_plan.yaml"
AFTER_FY2024 = datetime.date(2025, 6, 1)


@pytest.fixture
def plan(db: None) -> Plan:
    return Plan.objects.create(number=90, name="テスト計画", first_fiscal_year=2023, last_fiscal_year=2025)


@pytest.fixture
def regional_kpi(plan: Plan, org: Callable[[str], Organization]) -> Callable[..., Kpi]:
    """`regional_kpi(owner, {year: (target, actual)})`: a regional KPI of the test plan."""

    def make(owner: str, figures: dict[int, tuple[int, int]]) -> Kpi:
        number = Kpi.objects.count() + 1
        kpi = Kpi.objects.create(
            plan=plan, code=f"r-{number}", name=f"地域指標{number}", kind=KpiKind.REGIONAL, owner=org(owner), unit="件"
        )
        for year, (target, actual) in figures.items():
            Target.objects.create(kpi=kpi, start_year=year, end_year=year, value=Decimal(target))
            Actual.objects.create(kpi=kpi, start_year=year, end_year=year, value=Decimal(actual))
        refresh_figures([kpi])  # rows made behind the writers' back: store their figures as the writers would
        return kpi

    return make


@pytest.fixture
def regional(regional_kpi: Callable[..., Kpi]) -> None:
    """FY2023: 東京 met, 神奈川 missed, 大阪 met (3 items, 2 met); FY2024: 東京 missed."""
    regional_kpi("pref-13", {2023: (10, 12), 2024: (10, 9)})
    regional_kpi("pref-14", {2023: (20, 15)})
    regional_kpi("pref-27", {2023: (10, 11)})


def page(client: Any, login: Any, user: Any, number: int) -> str:
    response = login(client, user).get(reverse("pdca:final_evaluation", args=[number]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_results_of_every_central_kpi_of_plan_2(
    db: None, client: Any, login: Any, jpo_viewer: Any
) -> None:
    load_plan_file(PLAN_2)

    text = page(client, login, jpo_viewer, 2)

    assert "第2次地域知財活性化行動計画 計画期間終了時の評価" in text
    for rate in ("107%", "102%", "111%", "85%", "167.3%", "78.9%"):
        assert rate in text, rate
    assert "51.7%" in text  # PCT filings: progress (4,700 − 4,379) ÷ (5,000 − 4,379)
    assert "267社" in text and "250社" in text
    assert "ハンズオン支援企業に対するアンケートの結果" in text  # the plan's written evaluation
    assert "・全国</p>" in text


def test_it_aggregates_regional_kpis_nationally_per_block_and_over_the_plan(
    regional: None, plan: Plan, jpo_viewer: Any
) -> None:
    final = end_of_plan_evaluation(plan, jpo_viewer, AFTER_FY2024)

    assert final.national.label == "全国"
    assert final.national.by_year == [ItemsMet(3, 2), ItemsMet(1, 0), ItemsMet(0, 0)]
    assert final.national.cells == [
        "3件の項目のうち 2件達成（66.7%）",
        "1件の項目のうち 0件達成（0.0%）",
        "—",
        "4件の項目のうち 2件達成（50.0%）",
    ]
    assert [(line.label, line.by_year[0]) for line in final.blocks] == [
        ("関東", ItemsMet(2, 1)),
        ("近畿", ItemsMet(1, 1)),
    ]
    assert final.regional_count == 3


def test_it_counts_a_year_not_yet_over_as_not_met(regional: None, plan: Plan, jpo_viewer: Any) -> None:
    final = end_of_plan_evaluation(plan, jpo_viewer, datetime.date(2024, 3, 1))

    assert final.national.by_year[0] == ItemsMet(3, 0)


def test_it_shows_the_regional_totals_on_the_page(regional: None, client: Any, login: Any, jpo_viewer: Any) -> None:
    text = page(client, login, jpo_viewer, 90)

    assert "3件の項目のうち 2件達成（66.7%）" in text
    assert "4件の項目のうち 2件達成（50.0%）" in text


def test_it_scopes_a_prefecture_user_to_what_it_may_see(
    regional: None, plan: Plan, client: Any, login: Any, tokyo_editor: Any
) -> None:
    final = end_of_plan_evaluation(plan, tokyo_editor, AFTER_FY2024)

    assert final.national.label == "閲覧できる範囲の合計"
    assert final.national.by_year[0] == ItemsMet(1, 1)
    assert [line.label for line in final.blocks] == ["関東"]
    text = page(client, login, tokyo_editor, 90)
    assert "閲覧できる範囲の合計" in text and "1件の項目のうち 1件達成（100.0%）" in text
    assert "近畿" not in text


def test_it_scopes_a_bureau_to_its_block(regional: None, plan: Plan, kanto_reviewer: Any) -> None:
    final = end_of_plan_evaluation(plan, kanto_reviewer, AFTER_FY2024)

    assert final.national.by_year[0] == ItemsMet(2, 1)
    assert [line.label for line in final.blocks] == ["関東"]


def test_it_counts_the_accepted_self_evaluations_of_each_half_year(
    plan: Plan, org: Callable[[str], Organization], jpo_viewer: Any, tokyo_editor: Any, client: Any, login: Any
) -> None:
    periods = ensure_periods(plan)
    for code, status in (("pref-13", Status.ACCEPTED), ("pref-27", Status.ACCEPTED), ("pref-14", Status.SUBMITTED)):
        SelfEvaluation.objects.create(period=periods[0], organization=org(code), status=status)
    SelfEvaluation.objects.create(period=periods[1], organization=org("pref-13"), status=Status.ACCEPTED)

    national = end_of_plan_evaluation(plan, jpo_viewer, AFTER_FY2024).accepted
    own = end_of_plan_evaluation(plan, tokyo_editor, AFTER_FY2024).accepted

    assert [row.accepted for row in national] == [2, 1, 0, 0, 0, 0]
    assert [row.accepted for row in own] == [1, 1, 0, 0, 0, 0]
    assert [row.period for row in national] == list(ReportingPeriod.objects.filter(plan=plan))
    assert "2023年度上期（令和5年度上期）" in page(client, login, jpo_viewer, 90)


def test_it_sends_anonymous_visitors_to_the_login_page(plan: Plan, client: Any) -> None:
    response = client.get(reverse("pdca:final_evaluation", args=[90]))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_answers_404_for_an_unknown_plan(db: None, client: Any, login: Any, jpo_admin: Any) -> None:
    assert login(client, jpo_admin).get(reverse("pdca:final_evaluation", args=[77])).status_code == 404


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pdca:final_evaluation", args=[90])).status_code == 200
    return len(captured)


def test_it_needs_the_same_number_of_queries_for_any_number_of_kpis(
    plan: Plan, regional_kpi: Callable[..., Kpi], client: Any, login: Any, jpo_viewer: Any
) -> None:
    login(client, jpo_viewer)
    ensure_periods(plan)
    regional_kpi("pref-13", {2023: (10, 12)})
    few = _queries(client)
    for code in ("pref-01", "pref-14", "pref-23", "pref-27", "pref-40", "pref-47"):
        regional_kpi(code, {2023: (10, 12), 2024: (10, 9)})

    assert _queries(client) == few
    assert few <= 12 + NAVIGATION_QUERIES


def test_it_annotates_a_revised_central_target(client, login, jpo_admin, tokyo_editor):
    from chizai.kpis.actions import propose_revision, report_revision

    plan3 = load_plan_file(Path(settings.PROJECT_DIR) / "plans" / "3rd_regional_ip_action_plan.yaml").plan
    core = Kpi.objects.get(plan=plan3, code="core-model-case-support")
    revision = propose_revision(
        kpi=core,
        effective_year=2024,
        new_name=core.name,
        new_baseline_value=None,
        new_targets={2024: Decimal(70), 2025: Decimal(70)},
        vision_change="実施体制の拡充に伴う見直し",
        actor=jpo_admin,
    )
    report_revision(revision=revision, actor=jpo_admin)
    login(client, tokyo_editor)

    page = client.get(reverse("pdca:final_evaluation", args=[3])).content.decode()

    assert "令和6年度に目標改定（旧: 60件）" in page
    assert page.count("令和6年度に目標改定（旧: 60件）") == 2  # 2024 and 2025; 2023 keeps its 60件


def test_a_kept_page_reads_no_figure_shows_a_change_at_once_and_keeps_each_scope_apart(
    plan: Plan, regional: None, client: Any, login: Any, jpo_admin: Any, tokyo_editor: Any, fragment_cache: Any
) -> None:
    from chizai.kpis.actions import save_actual

    login(client, jpo_admin)
    cold = _queries(client)
    assert _queries(client) < cold  # kept: no KPI or figure is read
    url = reverse("pdca:final_evaluation", args=[90])
    assert "<td>3件の項目のうち 2件達成（66.7%）</td>" in _total_row(client.get(url).content.decode())

    kanagawa = Kpi.objects.get(owner__code="pref-14")
    save_actual(
        kpi=kanagawa,
        start_year=2023,
        end_year=2023,
        value=Decimal(25),
        expected_version=1,
        actor=jpo_admin,
        reason="訂正",
    )
    assert "<td>3件の項目のうち 3件達成（100.0%）</td>" in _total_row(client.get(url).content.decode())

    client.logout()
    own = _total_row(page(client, login, tokyo_editor, 90))
    assert "閲覧できる範囲の合計" in own and "<td>1件の項目のうち 1件達成（100.0%）</td>" in own


def _total_row(html: str) -> str:
    return html.split('<tr class="total-row">', 1)[1].split("</tr>", 1)[0]
