"""What the dashboard, an organisation's page and their exports compute from the KPIs: the plan shown, each
KPI's latest result, and the regional items met per block. Pages and exports (chizai.exchange) read it here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.http import Http404

from chizai.kpis import achievement
from chizai.kpis.models import Kpi, KpiKind, Plan
from chizai.organizations.models import Organization


def plan_or_404(number: int | None) -> Plan:
    """The plan asked for, else the latest (how every KPI page and export chooses it)."""
    plan = Plan.objects.numbered_or_latest(number)
    if plan is None:
        raise Http404("計画が登録されていません。")
    return plan


def kpi_rows(kpis: list[Kpi], today: datetime.date, computed: dict[int, list[Any]]) -> list[dict[str, Any]]:
    return [{"kpi": kpi, "result": achievement.latest_result(kpi, today, computed[kpi.pk])} for kpi in kpis]


def regional_summary(
    kpis: list[Kpi], plan: Plan, today: datetime.date, computed: dict[int, list[Any]]
) -> dict[str, Any]:
    """Regional KPI items met / total per fiscal year, up the tree: prefecture → block → national."""
    regional = [k for k in kpis if k.kind == KpiKind.REGIONAL]
    years = []
    for year in plan.fiscal_years:
        by_block: dict[Organization | None, achievement.ItemsMet] = defaultdict(lambda: achievement.ItemsMet(0, 0))
        for kpi in regional:
            result = achievement.result_for_year(kpi, year, today, computed[kpi.pk])
            by_block[kpi.owner.bureau] += achievement.items_met([result])
        national = sum(by_block.values(), achievement.ItemsMet(0, 0))
        blocks = sorted(by_block.items(), key=lambda item: item[0].sort_order if item[0] else 99)
        years.append({"year": year, "national": national, "blocks": blocks})
    return {"years": years, "count": len(regional)}


def compute_achievements(kpis: list[Kpi], today: datetime.date) -> dict[int, list[Any]]:
    """Each KPI's results, computed once per request."""
    return {kpi.pk: achievement.results(kpi, today) for kpi in kpis}
