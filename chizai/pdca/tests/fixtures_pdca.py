"""Fixtures for the self-evaluation tests: plan 3, a regional KPI of 東京都, evaluations in any state.

A test module takes the fixtures it uses by assignment (`pdca_data = fx.pdca_data`, and the fixtures it
depends on), which keeps them module-local. Names are prefixed (`pdca_…`) so that they never shadow the
fixtures of other apps.

`advance(evaluation, "submit", "review", …)` moves an evaluation through the real workflow actions, each
step done by the cast member whose job it is, so every state a test starts from was reached honestly.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi, KpiKind, Plan, Shape, Target
from chizai.kpis.planfile import load_plan_file
from chizai.organizations.models import Organization
from chizai.pdca import actions, views
from chizai.pdca.models import ReportingPeriod, SelfEvaluation

PLAN3_FILE = Path(settings.PROJECT_DIR) / "plans" / "3rd_regional_ip_action_plan.yaml"

# Within the 3rd plan: 2025年度上期 has ended and is due on 2025-10-31, nine business days away.
TODAY = datetime.date(2025, 10, 20)

TOKYO_KPI_NAME = "東京都 知財経営支援を受けた中小企業数"
TOKYO_TARGETS = {2023: 20, 2024: 20, 2025: 20}
# 上期 12社 of a year's 20社: 60% so far, a year-end forecast of 24社 (120%) → suggested A.
TOKYO_ACTUALS = {"2023H1": 12}

STEP_ACTORS = {
    "submit": None,  # the organisation's editor, see editor_of()
    "review": "kanto_reviewer",
    "accept": "jpo_admin",
    "return": "kanto_reviewer",
    "reopen": "jpo_admin",
}
EDITORS = {
    "pref-13": "tokyo_editor",
    "pref-14": "kanagawa_editor",
    "pref-27": "osaka_editor",
    "inpit": "inpit_editor",
    "jpo": "jpo_admin",
}


def user(username: str) -> Any:
    """A fresh copy of a cast member (permission caches live on the user object)."""
    return get_user_model().objects.get(username=username)


def editor_of(evaluation: SelfEvaluation) -> Any:
    return user(EDITORS[evaluation.organization.code])


@dataclass(frozen=True)
class PdcaData:
    plan: Plan
    tokyo_kpi: Kpi

    def period(self, fiscal_year: int, half: str) -> ReportingPeriod:
        return next(p for p in actions.ensure_periods(self.plan) if (p.fiscal_year, p.half) == (fiscal_year, half))


def add_regional_kpi(
    plan: Plan,
    owner: Organization,
    *,
    code: str,
    name: str,
    targets: dict[int, int],
    actuals: dict[str, int],
    unit: str = "社",
    sort_order: int = 1000,
) -> Kpi:
    """A regional KPI (地域KPI, a target per fiscal year) with entered actuals ("2023", "2023H1", …)."""
    kpi = Kpi.objects.create(
        plan=plan,
        code=code,
        kind=KpiKind.REGIONAL,
        name=name,
        owner=owner,
        unit=unit,
        shape=Shape.PER_PERIOD,
        sort_order=sort_order,
    )
    Target.objects.bulk_create(
        Target(kpi=kpi, start_year=year, end_year=year, value=Decimal(value)) for year, value in targets.items()
    )
    Actual.objects.bulk_create(
        Actual(
            kpi=kpi,
            start_year=int(period[:4]),
            end_year=int(period[:4]),
            half=period[4:] or HalfChoice.FULL,
            value=Decimal(value),
            source=ActualSource.ENTERED,
        )
        for period, value in actuals.items()
    )
    return kpi


def make_evaluation(period: ReportingPeriod, code: str, **texts: str) -> SelfEvaluation:
    """A draft evaluation started by the organisation's editor, with its texts written (取組状況 by default)."""
    organization = Organization.objects.get(code=code)
    editor = user(EDITORS[code])
    evaluation = actions.start_evaluation(period=period, organization=organization, actor=editor)
    texts.setdefault("activities", "知財セミナーを3回開催し、相談窓口と連携して12社を支援した。")
    return actions.save_evaluation(
        evaluation=evaluation, texts=texts, ratings={}, expected_version=evaluation.version, actor=editor
    )


def advance(evaluation: SelfEvaluation, *steps: str, comment: str = "確認しました。") -> SelfEvaluation:
    """Run workflow steps ("submit", "review", "accept", "return", "reopen") as the usual actor of each."""
    for step in steps:
        actor = editor_of(evaluation) if step == "submit" else user(STEP_ACTORS[step])
        if step == "submit":
            evaluation = actions.submit_evaluation(evaluation=evaluation, actor=actor, today=TODAY)
        elif step == "review":
            evaluation = actions.review_evaluation(evaluation=evaluation, actor=actor, comment=comment)
        elif step == "accept":
            evaluation = actions.accept_evaluation(evaluation=evaluation, actor=actor, comment=comment)
        elif step == "return":
            evaluation = actions.return_evaluation(evaluation=evaluation, actor=actor, comment=comment)
        elif step == "reopen":
            evaluation = actions.reopen_evaluation(evaluation=evaluation, actor=actor, reason=comment)
        else:
            raise AssertionError(f"unknown step in a test: {step}")
    return SelfEvaluation.objects.select_related("period", "organization").get(pk=evaluation.pk)


@pytest.fixture
def pdca_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Pin the pages' "today" so that due dates and statuses do not depend on the day the suite runs."""
    monkeypatch.setattr(views, "_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def pdca_data(db: None, pdca_today: datetime.date) -> PdcaData:
    """Plan 3 from the shipped file (central KPIs of JPO and INPIT) plus one regional KPI of 東京都."""
    plan = load_plan_file(PLAN3_FILE).plan
    actions.ensure_periods(plan)  # the plan's half years, as they stand once anyone has started an evaluation
    tokyo_kpi = add_regional_kpi(
        plan,
        Organization.objects.get(code="pref-13"),
        code="regional-13-support",
        name=TOKYO_KPI_NAME,
        targets=TOKYO_TARGETS,
        actuals=TOKYO_ACTUALS,
    )
    return PdcaData(plan=plan, tokyo_kpi=tokyo_kpi)


@pytest.fixture
def tokyo_evaluation(pdca_data: PdcaData) -> Callable[..., SelfEvaluation]:
    """`tokyo_evaluation("submit", …)`: 東京都's 2023年度上期 evaluation, moved through the given steps."""

    def make(*steps: str, **texts: str) -> SelfEvaluation:
        return advance(make_evaluation(pdca_data.period(2023, "H1"), "pref-13", **texts), *steps)

    return make
