"""Fixtures for the page tests: the shipped plans, two regional KPIs (東京都, 大阪府) and a fixed "today".

A test module takes the fixtures it uses by assignment (`views_data = fx.views_data`, and the fixtures
they depend on), which keeps them module-local. Names are prefixed (`views_…`) so that they never shadow
the KPI fixtures of `chizai/kpis/tests/conftest.py`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from chizai.audit.models import AuditEntry, AuditEntryQuerySet
from chizai.kpis import figures, views
from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi, KpiKind, Plan, Shape, Target
from chizai.kpis.planfile import load_plan_file
from chizai.organizations.models import Organization

PLANS_DIR = Path(settings.PROJECT_DIR) / "plans"
PLAN2_FILE = PLANS_DIR / "2nd_regional_ip_action_plan.yaml"
PLAN3_FILE = PLANS_DIR / "3rd_regional_ip_action_plan.yaml"

# After the whole of the 3rd plan (FY2023–2025) has ended: every year of it can be judged.
TODAY = datetime.date(2026, 6, 1)

TOKYO_KPI_NAME = "東京都 知財経営支援を受けた中小企業数"
OSAKA_KPI_NAME = "大阪府 知財経営支援を受けた中小企業数"
TOKYO_TARGETS = {2023: 10, 2024: 12, 2025: 15}
TOKYO_ACTUALS = {"2023": 12, "2024": 9}
OSAKA_TARGETS = {2023: 20, 2024: 20, 2025: 20}
OSAKA_ACTUALS = {"2023": 25, "2024": 18, "2025H1": 8}

_PERIOD = re.compile(r"^(\d{4})(H1|H2)?$")


@dataclass(frozen=True)
class ViewsData:
    plan2: Plan
    plan3: Plan
    tokyo: Kpi
    osaka: Kpi

    def kpi(self, plan: Plan, code: str) -> Kpi:
        return Kpi.objects.get(plan=plan, code=code)


def add_regional_kpi(
    plan: Plan,
    owner: Organization,
    *,
    code: str,
    name: str,
    targets: dict[int, int],
    actuals: dict[str, int],
    sort_order: int = 1000,
) -> Kpi:
    """A prefecture's regional KPI (地域KPI, unit 社, a target per fiscal year) with entered actuals."""
    kpi = Kpi.objects.create(
        plan=plan,
        code=code,
        kind=KpiKind.REGIONAL,
        name=name,
        owner=owner,
        unit="社",
        shape=Shape.PER_PERIOD,
        sort_order=sort_order,
    )
    Target.objects.bulk_create(
        Target(kpi=kpi, start_year=year, end_year=year, value=Decimal(value)) for year, value in targets.items()
    )
    rows = []
    for period, value in actuals.items():
        match = _PERIOD.match(period)
        assert match, period
        year = int(match.group(1))
        rows.append(
            Actual(
                kpi=kpi,
                start_year=year,
                end_year=year,
                half=match.group(2) or HalfChoice.FULL,
                value=Decimal(value),
                source=ActualSource.ENTERED,
            )
        )
    Actual.objects.bulk_create(rows)
    with transaction.atomic():  # as in a writer (browser tests run without the test's own transaction)
        figures.refresh([kpi])  # rows made behind the writers' back: store their figures as the writers would
    return kpi


@pytest.fixture
def views_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Pin the pages' "today" (基準日) so that statuses do not depend on the day the suite runs."""
    monkeypatch.setattr(views, "_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def views_data(db: None, views_today: datetime.date, org: Callable[[str], Organization]) -> ViewsData:
    """Plans 2 and 3 from the shipped files, plus the regional KPIs of 東京都 and 大阪府 in plan 3."""
    plan2 = load_plan_file(PLAN2_FILE).plan
    plan3 = load_plan_file(PLAN3_FILE).plan
    tokyo = add_regional_kpi(
        plan3,
        org("pref-13"),
        code="regional-13-support",
        name=TOKYO_KPI_NAME,
        targets=TOKYO_TARGETS,
        actuals=TOKYO_ACTUALS,
    )
    osaka = add_regional_kpi(
        plan3,
        org("pref-27"),
        code="regional-27-support",
        name=OSAKA_KPI_NAME,
        targets=OSAKA_TARGETS,
        actuals=OSAKA_ACTUALS,
        sort_order=1001,
    )
    return ViewsData(plan2=plan2, plan3=plan3, tokyo=tokyo, osaka=osaka)


@pytest.fixture
def more_regional_kpis(views_data: ViewsData) -> Callable[[int], list[Kpi]]:
    """`more_regional_kpis(n)`: n more regional KPIs in plan 3, spread over the prefectures, each with figures."""

    def make(count: int) -> list[Kpi]:
        prefectures = list(
            Organization.objects.prefectures().exclude(code__in=["pref-13", "pref-27"]).order_by("jis_code")
        )
        made = []
        for index in range(count):
            prefecture = prefectures[index % len(prefectures)]
            made.append(
                add_regional_kpi(
                    views_data.plan3,
                    prefecture,
                    code=f"regional-extra-{index + 1}",
                    name=f"{prefecture.name} 地域KPI {index + 1}",
                    targets={2023: 10 + index, 2024: 10 + index, 2025: 10 + index},
                    actuals={"2023": 12 + index, "2024": 5 + index, "2025H1": 3, "2025H2": 4 + index},
                    sort_order=2000 + index,
                )
            )
        return made

    return make


def form_version(content: bytes | str) -> int:
    """The hidden `version` of an entry form as rendered (what the user's browser will post back)."""
    text = content.decode() if isinstance(content, bytes) else content
    match = re.search(r'<input type="hidden" name="version" value="(\d+)"', text)
    assert match, "no version field in the form"
    return int(match.group(1))


def text_of(response: Any) -> str:
    return response.content.decode()


def user_audits(kpi: Kpi | None = None) -> AuditEntryQuerySet:
    """Audit entries written for a person (loading the plan files writes entries without an actor)."""
    entries = AuditEntry.objects.filter(actor__isnull=False)
    return entries.filter(kpi_id=kpi.pk) if kpi is not None else entries
