"""A small PDCA world for the documents and the exports: a plan, a half year, regional KPIs of 関東 and 近畿
with figures, and self-evaluations with ratings, reasons and texts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from chizai.kpis.models import Actual, Kpi, KpiKind, Plan, Target
from chizai.lib.fiscal import Half
from chizai.organizations.models import Organization
from chizai.pdca.models import KpiRating, ReportingPeriod, SelfEvaluation, Status

TODAY = datetime.date(2024, 6, 1)
REASON = "県内の大型案件が翌年度にずれ込んだため、実質的には目標に届く見込みである"


@pytest.fixture
def plan(db: None) -> Plan:
    return Plan.objects.create(number=90, name="テスト計画", first_fiscal_year=2023, last_fiscal_year=2025)


@pytest.fixture
def period(plan: Plan) -> ReportingPeriod:
    return ReportingPeriod.objects.create(
        plan=plan, fiscal_year=2023, half=Half.SECOND, due_date=datetime.date(2024, 4, 30)
    )


def _kpi(plan: Plan, owner: Organization, name: str, target: int, actual: int) -> Kpi:
    number = Kpi.objects.count() + 1
    kpi = Kpi.objects.create(
        plan=plan, code=f"doc-{number}", name=name, kind=KpiKind.REGIONAL, owner=owner, unit="件", sort_order=number
    )
    Target.objects.create(kpi=kpi, start_year=2023, end_year=2023, value=Decimal(target))
    Actual.objects.create(kpi=kpi, start_year=2023, end_year=2023, value=Decimal(actual))
    return kpi


@pytest.fixture
def world(plan: Plan, period: ReportingPeriod, org: Callable[[str], Organization]) -> dict[str, SelfEvaluation]:
    """東京 1,234件 of 1,000 (123%) rated B with a reason; 神奈川 missed (15 of 20); 大阪 met (11 of 10)."""
    tokyo_kpi = _kpi(plan, org("pref-13"), "東京都の知財セミナー参加企業数", 1000, 1234)
    _kpi(plan, org("pref-14"), "神奈川県の企業訪問件数", 20, 15)
    _kpi(plan, org("pref-27"), "大阪府の知財相談件数", 10, 11)
    tokyo = SelfEvaluation.objects.create(
        period=period,
        organization=org("pref-13"),
        status=Status.SUBMITTED,
        activities="東京都の取組：窓口と合同で重点業種の企業を訪問した。",
        issues="フォローアップの担い手が不足。",
        improvements="参加企業に窓口の専門家が1か月以内に連絡する。",
    )
    KpiRating.objects.create(evaluation=tokyo, kpi=tokyo_kpi, rating="B", reason=REASON)
    osaka = SelfEvaluation.objects.create(
        period=period, organization=org("pref-27"), status=Status.REVIEWED, activities="大阪府の取組（局確認済み）"
    )
    return {"tokyo": tokyo, "osaka": osaka}
