"""Meeting fixtures: the KPI factories of chizai/kpis/tests, a 関東 meeting, revisions and self-evaluations.

The 関東 block's data: 東京都 (pref-13) and 神奈川県 (pref-14); 大阪府 (pref-27) is in 近畿, another block.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from chizai.audit.models import AuditEntry
from chizai.kpis import figures
from chizai.kpis.models import Kpi, KpiRevision, Plan
from chizai.kpis.tests import conftest as kpi_fixtures
from chizai.meetings import actions
from chizai.meetings.models import LiaisonMeeting
from chizai.organizations.models import Organization
from chizai.pdca.actions import ensure_periods
from chizai.pdca.models import ReportingPeriod, SelfEvaluation

# The KPI fixtures of chizai/kpis/tests, made available here by assignment.
plan2 = kpi_fixtures.plan2
plan3 = kpi_fixtures.plan3
make_plan = kpi_fixtures.make_plan
add_actuals = kpi_fixtures.add_actuals
make_kpi = kpi_fixtures.make_kpi

# Held in the first half of FY2024: the agenda also looks back at FY2023.
HELD_ON = datetime.date(2024, 7, 10)
# After FY2024 has ended: its results can be judged.
AFTER_FY2024 = datetime.date(2025, 6, 1)


@pytest.fixture
def kanto_meeting(plan3: Plan, kanto_reviewer: Any, org: Callable[[str], Organization]) -> LiaisonMeeting:
    return actions.create_meeting(
        bureau=org("bureau-kanto"),
        plan=plan3,
        fiscal_year=2024,
        kind="regular",
        title="令和6年度 関東地域連絡会議",
        held_on=HELD_ON,
        venue="さいたま新都心合同庁舎",
        actor=kanto_reviewer,
    )


@pytest.fixture
def kinki_meeting(plan3: Plan, kinki_reviewer: Any, org: Callable[[str], Organization]) -> LiaisonMeeting:
    return actions.create_meeting(
        bureau=org("bureau-kinki"),
        plan=plan3,
        fiscal_year=2024,
        kind="regular",
        title="令和6年度 近畿地域連絡会議",
        held_on=datetime.date(2024, 8, 1),
        venue="大阪合同庁舎",
        actor=kinki_reviewer,
    )


@pytest.fixture
def regional_kpi(make_kpi: Callable[..., Kpi], plan3: Plan) -> Callable[..., Kpi]:
    """`regional_kpi(owner, targets, actuals)`: a regional KPI of the 3rd plan, its figures stored as the writers
    store them (the agenda reads the stored figures)."""

    def make(owner: str, targets: dict[Any, Any], actuals: dict[Any, Any] | None = None, **fields: Any) -> Kpi:
        kpi = make_kpi(plan=plan3, owner=owner, targets=targets, actuals=actuals or {}, **fields)
        figures.refresh([kpi])
        return kpi

    return make


@pytest.fixture
def make_revision() -> Callable[..., KpiRevision]:
    """`make_revision(kpi, effective_year=2025, new_target=15)`: a proposed revision of a KPI."""

    def make(kpi: Kpi, effective_year: int = 2025, new_target: int = 15, new_name: str = "") -> KpiRevision:
        return KpiRevision.objects.create(
            kpi=kpi,
            effective_year=effective_year,
            old_name=kpi.name,
            new_name=new_name or kpi.name,
            target_changes={str(effective_year): [None, str(new_target)]},
            vision_change="産業振興ビジョンの改定（令和6年3月）に合わせて目標を見直す。",
        )

    return make


@pytest.fixture
def periods(plan3: Plan) -> dict[tuple[int, str], ReportingPeriod]:
    return {(p.fiscal_year, p.half): p for p in ensure_periods(plan3)}


@pytest.fixture
def make_evaluation(
    periods: dict[tuple[int, str], ReportingPeriod], org: Callable[[str], Organization]
) -> Callable[..., SelfEvaluation]:
    """`make_evaluation("pref-13", 2023, "H2", status="submitted", advanced_practice=…, improvements=…)`."""

    def make(code: str, year: int, half: str, status: str = "submitted", **texts: str) -> SelfEvaluation:
        return SelfEvaluation.objects.create(
            period=periods[(year, half)], organization=org(code), status=status, activities="取組を実施", **texts
        )

    return make


def meeting_audits(meeting: LiaisonMeeting, action: str = "") -> Any:
    entries = AuditEntry.objects.filter(plan_id=meeting.plan_id, actor__isnull=False, action__startswith="meetings.")
    return entries.filter(action=action) if action else entries
