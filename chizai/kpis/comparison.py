"""Figures compared across years and bodies (前年度比較・都道府県比較), computed by `chizai.kpis.achievement`.

Kept apart from the pages so that it can later read stored figures instead of computing them: everything here
takes KPIs loaded with their values (`Kpi.objects.with_values()`) and returns plain rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from chizai.kpis import achievement, figures
from chizai.kpis.models import Kpi, Plan


def current_fiscal_year(plan: Plan, today: datetime.date) -> int:
    """This fiscal year, within the plan's years (the last year once the plan has ended)."""
    year = today.year if today.month >= 4 else today.year - 1
    return min(max(year, plan.first_fiscal_year), plan.last_fiscal_year)


@dataclass(frozen=True)
class YearOverYear:
    """A KPI's figure and achievement this year beside last year's (前年度との比較)."""

    kpi: Kpi
    year: int
    this_year: achievement.PeriodResult | None
    last_year: achievement.PeriodResult | None

    @property
    def change(self) -> Decimal | None:
        """This year's figure minus last year's, when both years are complete (a 上期 alone compares nothing)."""
        if self.this_year is None or self.last_year is None:
            return None
        if self.this_year.actual is None or self.last_year.actual is None:
            return None
        if not (self.this_year.complete and self.last_year.complete):
            return None
        return self.this_year.actual - self.last_year.actual


def year_over_year(
    kpis: Iterable[Kpi], year: int, today: datetime.date, computed: dict[int, list[achievement.PeriodResult]]
) -> list[YearOverYear]:
    """For each KPI, the result of `year` and of the year before (`computed`: each KPI's results)."""
    return [
        YearOverYear(
            kpi,
            year,
            _single_year(kpi, year, today, computed[kpi.pk]),
            _single_year(kpi, year - 1, today, computed[kpi.pk]),
        )
        for kpi in kpis
    ]


def _single_year(
    kpi: Kpi, year: int, today: datetime.date, rows: list[achievement.PeriodResult]
) -> achievement.PeriodResult | None:
    result = achievement.result_for_year(kpi, year, today, rows)
    return result if result is not None and result.start_year == result.end_year == year else None


@dataclass(frozen=True)
class BodyYear:
    """One body's regional KPIs in one fiscal year: items with a target, met, and those still in progress."""

    year: int
    items: achievement.ItemsMet
    in_progress: int
    not_achieved: int

    @property
    def rate(self) -> Decimal | None:
        return self.items.rate if self.items.total else None


def body_years(
    kpis: Iterable[Kpi],
    years: list[int],
    today: datetime.date,
    computed: Mapping[int, list[achievement.PeriodResult]] | None = None,
) -> dict[int, dict[int, BodyYear]]:
    """Per owner (organisation id) and fiscal year: the items met of its KPIs, as the dashboard counts them.

    `computed` holds each KPI's results where the page computed them already; without it they are read from the
    stored figures (`chizai.kpis.figures`).
    """
    kpis = list(kpis)
    stored = figures.load(kpis) if computed is None else None
    results: dict[int, list[tuple[int, achievement.PeriodResult | None]]] = {}
    for kpi in kpis:
        known = computed.get(kpi.pk) if computed is not None else None
        rows = known if known is not None else stored.results(kpi, today) if stored else achievement.results(kpi, today)
        results.setdefault(kpi.owner_id, []).extend(
            (year, achievement.result_for_year(kpi, year, today, rows)) for year in years
        )
    table: dict[int, dict[int, BodyYear]] = {}
    for owner_id, pairs in results.items():
        table[owner_id] = {}
        for year in years:
            found = [r for y, r in pairs if y == year and r is not None and r.target is not None]
            table[owner_id][year] = BodyYear(
                year,
                achievement.items_met(found),
                sum(1 for r in found if r.status == achievement.Status.IN_PROGRESS),
                sum(1 for r in found if r.status == achievement.Status.NOT_ACHIEVED),
            )
    return table
