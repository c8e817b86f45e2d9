"""Fixtures for the counting tests: the 3rd plan from its shipped file, and cases of any shape.

A test module takes the fixtures it uses by assignment (`counting_plan = fx.counting_plan`), which keeps them
module-local; names are prefixed so that they never shadow the fixtures of other apps.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from chizai.cases.models import Company, Origin, SmeCategory, Stage, SupportCase
from chizai.kpis.models import Kpi, Plan
from chizai.kpis.planfile import load_plan_file
from chizai.organizations.models import Organization
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status

PLAN3_FILE = Path(settings.PROJECT_DIR) / "plans" / "3rd_regional_ip_action_plan.yaml"

# Within the 3rd plan's last year: FY2023 and FY2024 are over, FY2025 has begun.
TODAY = datetime.date(2025, 10, 20)
# Early in FY2024: FY2025 is still to come.
EARLY_FY2024 = datetime.date(2024, 5, 1)

CORE = "core-model-case-support"
ATTACHED = "core-regional-discovery"
EFFECT = "effect-ip-in-strategy"

_numbers = count(1)


def plan3_kpi(plan: Plan, code: str) -> Kpi:
    """A KPI of the plan, fresh from the database (with its parent, as the writes read it)."""
    return Kpi.objects.select_related("parent", "owner").get(plan=plan, code=code)


def accept_year_end(plan: Plan, organization_code: str, fiscal_year: int) -> SelfEvaluation:
    """An accepted 下期 self-evaluation (受理), which locks the organisation's whole-year figures of the year."""
    period, _ = ReportingPeriod.objects.get_or_create(
        plan=plan, fiscal_year=fiscal_year, half="H2", defaults={"due_date": datetime.date(fiscal_year + 1, 4, 30)}
    )
    return SelfEvaluation.objects.create(
        period=period,
        organization=Organization.objects.get(code=organization_code),
        status=Status.ACCEPTED,
        accepted_at=timezone.now(),
    )


@pytest.fixture
def counting_plan(db: None) -> Plan:
    """The 3rd plan (FY2023–2025) loaded from the shipped file, with its counting rules."""
    return load_plan_file(PLAN3_FILE).plan


@pytest.fixture
def make_case(db: None) -> Callable[..., SupportCase]:
    """`make_case(2023, origin="regional", stage="closed", followed_up_on=date, outcome_acted_on=True, …)`.

    Each case gets a company of its own (in 東京都, registered by JPO) and JPO as its support team; a regional
    case is referred by 東京都 unless `referred_by` says otherwise.
    """

    def make(
        fiscal_year: int, *, origin: str = Origin.PUSH, referred_by: str = "pref-13", **fields: Any
    ) -> SupportCase:
        number = next(_numbers)
        company = Company.objects.create(
            corporate_number=f"{number:013d}",
            name=f"テスト工業{number}株式会社",
            prefecture=Organization.objects.get(code="pref-13"),
            industry="金属製品製造業",
            sme_category=SmeCategory.MANUFACTURING,
            registered_by=Organization.objects.get(code="jpo"),
            is_demo=fields.get("is_demo", False),
        )
        fields.setdefault("stage", Stage.REFERRAL)
        fields.setdefault("opened_on", datetime.date(fiscal_year, 6, 1))
        return SupportCase.objects.create(
            company=company,
            fiscal_year=fiscal_year,
            origin=origin,
            referred_by=Organization.objects.get(code=referred_by) if origin == Origin.REGIONAL else None,
            support_team=Organization.objects.get(code="jpo"),
            stage_entered_at=timezone.now(),
            **fields,
        )

    return make
