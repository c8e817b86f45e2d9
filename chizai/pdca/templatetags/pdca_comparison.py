"""`{% prefecture_comparison plan %}`: the reviewer's home shows its block's prefectures side by side (JPO: all).

A tag rather than the dashboard view's context, because the dashboard belongs to the KPI app, which sits below
the PDCA cycle and never imports it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone

from chizai.kpis.comparison import BodyYear, current_fiscal_year
from chizai.kpis.models import Plan
from chizai.organizations.permissions import sees_everything
from chizai.pdca.comparison import PrefectureRow, compare
from chizai.pdca.models import ReportingPeriod
from chizai.pdca.rules import reviewed_bureaus

register = template.Library()


def _today() -> datetime.date:
    """The pages' "today" (a hook the tests pin)."""
    return timezone.localdate()


@register.inclusion_tag("pdca/_comparison_home.html", takes_context=True)
def prefecture_comparison(context: dict[str, Any], plan: Plan) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    if not (sees_everything(user) or reviewed_bureaus(user)):
        return {"comparison": None}
    today = _today()
    year = current_fiscal_year(plan, today)
    years = [y for y in (year - 1, year) if y in plan.fiscal_years]
    return {
        "comparison": compare(user, plan, today, years=years),
        "plan": plan,
        "here": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "compact": True,
    }


@register.filter
def year_cells(row: PrefectureRow, years: list[int]) -> list[BodyYear | None]:
    return row.year_cells(years)


@register.filter
def period_cells(row: PrefectureRow, periods: list[ReportingPeriod]) -> list[tuple[str, str]]:
    return row.period_cells(periods)
