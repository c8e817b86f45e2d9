"""KPI fixtures: the shipped plan files, and factories for a plan and a KPI of any shape.

Periods are written as in the plan files: 2023 (a year), "2020-2022" (a range), "2023H1" / "2023H2"
(half years). A figure is a number, or {"numerator": …, "denominator": …} for ratios.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi, KpiKind, Plan, Target
from chizai.kpis.planfile import load_plan_file

PLANS_DIR = Path(settings.PROJECT_DIR) / "plans"
PLAN2_FILE = PLANS_DIR / "2nd_regional_ip_action_plan.yaml"
PLAN3_FILE = PLANS_DIR / "3rd_regional_ip_action_plan.yaml"

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{4}))?(H1|H2)?$")


def parse_period(key: int | str) -> tuple[int, int, str]:
    match = _PERIOD.match(str(key))
    assert match, f"bad period in a test: {key!r}"
    start = int(match.group(1))
    return start, int(match.group(2) or start), match.group(3) or HalfChoice.FULL


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.fixture
def plan2(db: None) -> Plan:
    """The 2nd plan (FY2020–2022) with the results reported in the 3rd plan, section I.2(2)."""
    return load_plan_file(PLAN2_FILE).plan


@pytest.fixture
def plan3(db: None) -> Plan:
    """The 3rd plan (FY2023–2025), annex 1: targets only."""
    return load_plan_file(PLAN3_FILE).plan


@pytest.fixture
def kpi_of() -> Callable[[Plan, str], Kpi]:
    """`kpi_of(plan, code)`: a KPI of a loaded plan, with its targets and actuals prefetched."""

    def get(plan: Plan, code: str) -> Kpi:
        return Kpi.objects.with_values().get(plan=plan, code=code)

    return get


@pytest.fixture
def make_plan(db: None) -> Callable[..., Plan]:
    """`make_plan(number=90, first=2023, last=2025)`: a plan of the test's own."""

    def make(number: int = 90, first: int = 2023, last: int = 2025) -> Plan:
        return Plan.objects.create(
            number=number, name=f"テスト計画{number}", first_fiscal_year=first, last_fiscal_year=last
        )

    return make


@pytest.fixture
def add_actuals(db: None) -> Callable[..., None]:
    """`add_actuals(kpi, {period: figure})`: store actuals (source entered) for an existing KPI."""

    def add(kpi: Kpi, actuals: dict[Any, Any], source: str = ActualSource.ENTERED) -> None:
        for key, figure in actuals.items():
            start, end, half = parse_period(key)
            spec = figure if isinstance(figure, dict) else {"value": figure}
            Actual.objects.create(
                kpi=kpi,
                start_year=start,
                end_year=end,
                half=half,
                value=_decimal(spec.get("value")),
                numerator=_decimal(spec.get("numerator")),
                denominator=_decimal(spec.get("denominator")),
                source=source,
            )

    return add


@pytest.fixture
def make_kpi(
    db: None, make_plan: Callable[..., Plan], add_actuals: Callable[..., None], org: Callable[[str], Any]
) -> Callable[..., Kpi]:
    """`make_kpi(shape=…, targets={2023: 60}, actuals={"2023H1": 30}, owner="pref-13", **fields)`.

    Builds a KPI of any shape for an organisation (a prefecture by default: a regional KPI), stores its
    targets and actuals, and returns it fresh with everything prefetched, as the pages read it.
    """
    counter = iter(range(1, 10_000))

    def make(
        *,
        targets: dict[Any, Any] | None = None,
        actuals: dict[Any, Any] | None = None,
        owner: str = "pref-13",
        plan: Plan | None = None,
        **fields: Any,
    ) -> Kpi:
        if plan is None:
            plan = Plan.objects.filter(number=90).first() or make_plan(90)
        number = next(counter)
        fields.setdefault("code", f"test-kpi-{number}")
        fields.setdefault("name", f"テスト指標{number}")
        fields.setdefault("kind", KpiKind.REGIONAL)
        fields.setdefault("unit", "件")
        if "baseline_value" in fields:
            fields["baseline_value"] = _decimal(fields["baseline_value"])
        kpi = Kpi.objects.create(plan=plan, owner=org(owner), sort_order=number, **fields)
        for key, value in (targets or {}).items():
            start, end, half = parse_period(key)
            assert half == HalfChoice.FULL, "targets are set for years or ranges, not halves"
            spec = value if isinstance(value, dict) else {"value": value}
            Target.objects.create(
                kpi=kpi, start_year=start, end_year=end, value=_decimal(spec["value"]), note=spec.get("note", "")
            )
        add_actuals(kpi, actuals or {})
        return Kpi.objects.with_values().get(pk=kpi.pk)

    return make
