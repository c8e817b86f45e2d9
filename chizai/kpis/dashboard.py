"""What the dashboard, an organisation's page and their exports show: the plan, each KPI's latest result, and the
regional items met per block. Pages and exports (chizai.exchange) read it here, from the stored figures
(`chizai.kpis.figures`), in a fixed number of queries whatever the number of KPIs.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Q
from django.http import Http404

from chizai.kpis import achievement, figures
from chizai.kpis.achievement import PeriodResult
from chizai.kpis.counting_rules import counts_survey_answers
from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi, KpiKind, Plan
from chizai.organizations.models import Organization
from chizai.organizations.types import AnyUser


def plan_or_404(number: int | None) -> Plan:
    """The plan asked for, else the latest (how every KPI page and export chooses it)."""
    plan = Plan.objects.numbered_or_latest(number)
    if plan is None:
        raise Http404("計画が登録されていません。")
    return plan


def kpi_rows(
    kpis: list[Kpi],
    today: datetime.date,
    stored: figures.Figures,
    computed: dict[int, list[PeriodResult]] | None = None,
) -> list[dict[str, Any]]:
    """Each KPI with its latest result (the latest period that has begun, as of `today`), and beside a figure
    counted from survey answers its response rate (`survey_note`). `computed`: each KPI's results, when the
    caller has them already (`stored.results`)."""
    notes = survey_notes([kpi for kpi in kpis if counts_survey_answers(kpi.counting_rule)])
    rows = []
    for kpi in kpis:
        if computed is None:
            result = stored.latest(kpi, today)
        else:
            result = achievement.latest_result(kpi, today, computed[kpi.pk])
        note = notes.get((kpi.pk, result.end_year), "") if result is not None else ""
        rows.append({"kpi": kpi, "result": result, "survey_note": note})
    return rows


def survey_notes(kpis: list[Kpi]) -> dict[tuple[int, int], str]:
    """(KPI id, fiscal year) → the response rate stored with each whole-year figure counted from survey answers;
    one query, none without such KPIs."""
    if not kpis:
        return {}
    found = Actual.objects.filter(
        kpi__in=kpis, source=ActualSource.SURVEY, half=HalfChoice.FULL, start_year=F("end_year")
    ).values_list("kpi_id", "end_year", "source_note")
    return {(kpi_id, year): note for kpi_id, year, note in found}


def regional_summary(kpis: Any, plan: Plan, today: datetime.date) -> dict[str, Any]:
    """Regional KPI items met / total per fiscal year, per block and nationally, for the KPIs of `kpis` (a
    queryset of the KPIs the user may see), counted from the stored figures."""
    items = figures.regional_items(kpis.filter(kind=KpiKind.REGIONAL), plan.fiscal_years, today)
    years = [
        {
            "year": year,
            "national": items.national(year),
            "blocks": [(bureau, items.of(bureau, year)) for bureau in items.blocks],
        }
        for year in plan.fiscal_years
    ]
    return {"years": years, "count": items.count}


def shown_kpis(user: AnyUser, plan: Plan, home: Organization | None) -> tuple[list[Kpi], list[Kpi]]:
    """The dashboard's two KPI tables: the user's own organisation's KPIs and the central ones (never the whole
    set of regional KPIs, which the dashboard only counts)."""
    own_filter = Q(owner=home) if home is not None and not home.is_central else Q(pk__in=[])
    kpis = list(
        Kpi.objects.for_plan(plan)
        .visible_to(user)
        .filter(own_filter | ~Q(kind=KpiKind.REGIONAL))
        .select_related("plan", "owner", "owner__bureau")
        .order_by("sort_order", "pk")
    )
    own = [k for k in kpis if home is not None and k.owner_id == home.pk and not home.is_central]
    central = [k for k in kpis if k.kind != KpiKind.REGIONAL]
    return own, central


def organization_kpis(organization: Organization, plan: Plan) -> list[Kpi]:
    """An organisation's KPIs in the plan, in their order (their figures: `figures.load`)."""
    return list(
        Kpi.objects.for_plan(plan)
        .filter(owner=organization)
        .select_related("plan", "owner", "owner__bureau")
        .order_by("sort_order", "pk")
    )
