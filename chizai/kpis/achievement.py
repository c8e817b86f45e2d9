"""Achievement, progress, status and forecast of KPIs, computed from targets and actuals — never stored.

Everything here works on KPIs whose targets, actuals and evaluations are already loaded
(`Kpi.objects.with_values()`), so a page of any size costs a fixed number of queries.
The plan's rounding: actual ÷ target (target ÷ actual where lower is better), half up,
to whole percent unless the KPI says one decimal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from chizai.kpis.models import Actual, HalfChoice, Kpi, Shape
from chizai.lib.fiscal import fiscal_year_end
from chizai.lib.numbers import ratio_percent, round_half_up


class Status(StrEnum):
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    IN_PROGRESS = "in_progress"
    NOT_EVALUABLE = "not_evaluable"

    @property
    def label(self) -> str:
        return {"achieved": "達成", "not_achieved": "未達", "in_progress": "進行中", "not_evaluable": "評価不能"}[
            self.value
        ]


@dataclass(frozen=True)
class YearFigure:
    """A KPI's figure for one year: the whole-year value (or the value to date) and its halves."""

    value: Decimal | None
    first_half: Decimal | None
    second_half: Decimal | None
    complete: bool


@dataclass(frozen=True)
class PeriodResult:
    """The computed result of a KPI for one target period (a year or a range of years)."""

    start_year: int
    end_year: int
    label: str
    target: Decimal | None
    target_note: str
    actual: Decimal | None
    first_half: Decimal | None
    second_half: Decimal | None
    complete: bool
    achievement: Decimal | None
    first_half_achievement: Decimal | None
    forecast: Decimal | None
    forecast_achievement: Decimal | None
    progress: Decimal | None
    status: Status

    @property
    def bar_width(self) -> int:
        """Width of an achievement bar in percent of its track, capped at 100."""
        if self.achievement is None:
            return 0
        return max(0, min(100, int(self.achievement)))


def period_end_date(kpi: Kpi, year: int) -> datetime.date:
    if kpi.is_calendar_year:
        return datetime.date(year, 12, 31)
    return fiscal_year_end(year)


def actuals_by_period(kpi: Kpi) -> dict[tuple[int, int, str], Actual]:
    """The KPI's actuals (as loaded) by (start year, end year, half)."""
    return {(a.start_year, a.end_year, a.half): a for a in kpi.actuals.all()}


_actuals = actuals_by_period


def _sum_ratio(parts: list[Actual]) -> Decimal | None:
    if all(p.numerator is not None and p.denominator for p in parts):
        numerator = sum((p.numerator for p in parts if p.numerator is not None), Decimal(0))
        denominator = sum((p.denominator for p in parts if p.denominator is not None), Decimal(0))
        return ratio_percent(numerator, denominator, decimals=1)
    return None


def year_figure(kpi: Kpi, year: int, actuals: dict[tuple[int, int, str], Actual] | None = None) -> YearFigure:
    """The year's figure: an explicit whole-year actual, else one derived from the halves.

    Flow KPIs add their halves; stocks and levels take the later half; ratios pool numerators
    and denominators. Only a first half gives a figure to date (complete=False).
    """
    actuals = _actuals(kpi) if actuals is None else actuals
    full = actuals.get((year, year, HalfChoice.FULL))
    first = actuals.get((year, year, HalfChoice.FIRST))
    second = actuals.get((year, year, HalfChoice.SECOND))
    h1 = first.figure if first else None
    h2 = second.figure if second else None
    if full is not None:
        return YearFigure(full.figure, h1, h2, True)
    if first and second:
        value: Decimal | None
        if kpi.is_flow:
            value = (h1 or Decimal(0)) + (h2 or Decimal(0))
        elif kpi.shape == Shape.RATIO:
            value = _sum_ratio([first, second]) or h2
        else:
            value = h2
        return YearFigure(value, h1, h2, True)
    if second:
        # A second half alone is a complete year for levels, not for flows.
        return YearFigure(h2, None, h2, not kpi.is_flow)
    if first:
        return YearFigure(h1, h1, None, False)
    return YearFigure(None, None, None, False)


def range_figure(kpi: Kpi, start: int, end: int, actuals: dict[tuple[int, int, str], Actual]) -> YearFigure:
    """The figure for a range of years: an actual stated for the range, else built from the years."""
    stated = actuals.get((start, end, HalfChoice.FULL))
    if stated is not None:
        return YearFigure(stated.figure, None, None, True)
    years = [year_figure(kpi, y, actuals) for y in range(start, end + 1)]
    if not kpi.is_flow:
        last = years[-1]
        return YearFigure(last.value, None, None, last.complete)
    known = [y.value for y in years if y.value is not None]
    if not known:
        return YearFigure(None, None, None, False)
    return YearFigure(sum(known, Decimal(0)), None, None, all(y.complete for y in years))


def achievement_rate(kpi: Kpi, actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    if actual is None or target is None:
        return None
    if kpi.lower_is_better:
        return ratio_percent(target, actual, kpi.decimals)
    return ratio_percent(actual, target, kpi.decimals)


def is_met(kpi: Kpi, actual: Decimal, target: Decimal) -> bool:
    return actual <= target if kpi.lower_is_better else actual >= target


def progress_rate(kpi: Kpi, actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """(actual − baseline) ÷ (target − baseline), for baseline → target KPIs."""
    if kpi.shape != Shape.BASELINE_TARGET or actual is None or target is None or kpi.baseline_value is None:
        return None
    return ratio_percent(actual - kpi.baseline_value, target - kpi.baseline_value, kpi.decimals)


def first_half_share(kpi: Kpi, year: int, actuals: dict[tuple[int, int, str], Actual]) -> Decimal:
    """The usual share of a year's count that falls in its first half, from the KPI's other years."""
    shares = []
    for start, end, half in actuals:
        if start != end or start == year or half != HalfChoice.FIRST:
            continue
        figure = year_figure(kpi, start, actuals)
        if figure.complete and figure.first_half is not None and figure.second_half is not None and figure.value:
            shares.append(figure.first_half / figure.value)
    if not shares:
        return Decimal("0.5")
    return sum(shares, Decimal(0)) / len(shares)


def forecast(kpi: Kpi, year: int, figure: YearFigure, actuals: dict[tuple[int, int, str], Actual]) -> Decimal | None:
    """The year-end forecast from a first half alone (見込み), following the half-year trend."""
    if figure.complete or figure.first_half is None:
        return None
    decimals = 1 if kpi.unit == "%" else 0
    h1 = figure.first_half
    if kpi.is_flow:
        share = first_half_share(kpi, year, actuals)
        return round_half_up(h1 / share, decimals) if share else None
    if kpi.shape == Shape.STOCK:
        previous = year_figure(kpi, year - 1, actuals)
        if previous.complete and previous.value is not None:
            return round_half_up(h1 + (h1 - previous.value), decimals)
    return h1


def status_of(kpi: Kpi, *, target: Decimal | None, figure: YearFigure, end_year: int, today: datetime.date) -> Status:
    if kpi.shape == Shape.QUALITATIVE or not kpi.measurable or target is None:
        return Status.NOT_EVALUABLE
    if today <= period_end_date(kpi, end_year):
        return Status.IN_PROGRESS
    if figure.value is None or not figure.complete:
        return Status.NOT_EVALUABLE
    return Status.ACHIEVED if is_met(kpi, figure.value, target) else Status.NOT_ACHIEVED


def _result(
    kpi: Kpi,
    start: int,
    end: int,
    target: Decimal | None,
    note: str,
    actuals: dict[tuple[int, int, str], Actual],
    today: datetime.date,
    status: Status | None = None,
) -> PeriodResult:
    figure = year_figure(kpi, start, actuals) if start == end else range_figure(kpi, start, end, actuals)
    year_end_forecast = forecast(kpi, start, figure, actuals) if start == end else None
    return PeriodResult(
        start_year=start,
        end_year=end,
        label=kpi.label_period(start, end),
        target=target,
        target_note=note,
        actual=figure.value,
        first_half=figure.first_half,
        second_half=figure.second_half,
        complete=figure.complete,
        achievement=achievement_rate(kpi, figure.value, target),
        first_half_achievement=achievement_rate(kpi, figure.first_half, target) if kpi.is_flow else None,
        forecast=year_end_forecast,
        forecast_achievement=achievement_rate(kpi, year_end_forecast, target),
        progress=progress_rate(kpi, figure.value, target),
        status=status or status_of(kpi, target=target, figure=figure, end_year=end, today=today),
    )


def results(
    kpi: Kpi,
    today: datetime.date,
    actuals: dict[tuple[int, int, str], Actual] | None = None,
    *,
    ending_in: int | None = None,
) -> list[PeriodResult]:
    """The KPI's result for each target period, in time order (and each measured year of a baseline KPI).

    `actuals` narrows the figures the results are computed from (see `first_half_result`); `ending_in` computes
    only the results of periods ending in that year (the others are left out, not changed).
    """
    actuals = _actuals(kpi) if actuals is None else actuals
    targets = sorted(kpi.targets.all(), key=lambda t: (t.end_year, t.start_year))

    def wanted(end: int) -> bool:
        return ending_in is None or end == ending_in

    if kpi.shape == Shape.BASELINE_TARGET and targets:
        final = targets[-1]
        measured = {a.start_year for a in actuals.values() if a.start_year == a.end_year} | {final.end_year}
        years = sorted(y for y in measured if wanted(y))
        return [
            _result(
                kpi,
                y,
                y,
                final.value,
                final.note,
                actuals,
                today,
                Status.IN_PROGRESS if y < final.end_year else None,
            )
            for y in years
        ]
    rows = [
        _result(kpi, t.start_year, t.end_year, t.value, t.note, actuals, today) for t in targets if wanted(t.end_year)
    ]
    # Actuals outside every target period (e.g. a year whose target is not set yet) still get a row.
    covered = {(t.start_year, t.end_year) for t in targets}
    covered_years = {y for t in targets for y in range(t.start_year, t.end_year + 1)}
    for start, end in sorted({(a, b) for a, b, _half in actuals}):
        if (start, end) in covered or (start == end and start in covered_years):
            continue
        covered.add((start, end))
        if wanted(end):
            rows.append(_result(kpi, start, end, None, "", actuals, today))
    if len(covered) == 0 and kpi.shape == Shape.QUALITATIVE:
        rows = [
            _result(kpi, y, y, None, "", actuals, today)
            for y in range(kpi.plan.first_fiscal_year, kpi.plan.last_fiscal_year + 1)
            if wanted(y)
        ]
    return sorted(rows, key=lambda r: (r.end_year, r.start_year))


def latest_result(kpi: Kpi, today: datetime.date, rows: list[PeriodResult] | None = None) -> PeriodResult | None:
    """The result of the latest period that has begun (the first period if none has)."""
    rows = results(kpi, today) if rows is None else rows
    started = [r for r in rows if r.start_year <= _year_of(kpi, today)]
    with_figures = [r for r in started if r.actual is not None]
    if with_figures:
        return with_figures[-1]
    if started:
        return started[-1]
    return rows[0] if rows else None


def result_for_year(
    kpi: Kpi, year: int, today: datetime.date, rows: list[PeriodResult] | None = None
) -> PeriodResult | None:
    """The result whose period ends in `year` (a single year preferred over a range)."""
    rows = results(kpi, today) if rows is None else rows
    candidates = [r for r in rows if r.end_year == year]
    candidates.sort(key=lambda r: r.start_year != year)
    return candidates[0] if candidates else None


def _known_at_first_half(key: tuple[int, int, str], year: int) -> bool:
    """Whether a figure (start, end, half) belongs to the year's first half or before it."""
    start, end, half = key
    return end < year or (start == end == year and half == HalfChoice.FIRST)


def first_half_result(
    kpi: Kpi,
    year: int,
    today: datetime.date,
    rows: list[PeriodResult] | None = None,
    actuals: dict[tuple[int, int, str], Actual] | None = None,
) -> PeriodResult | None:
    """The year as its 上期 reports it: only the figures up to the first half (the 上期 actual, its achievement and
    the year-end forecast against the year's target), whatever was entered since.

    Its status is the year's own (`result_for_year`), so the KPI and year read the same everywhere.
    `actuals` are the KPI's actuals by period (`actuals_by_period`), when the caller has them already.
    """
    year_result = result_for_year(kpi, year, today, rows)
    every = _actuals(kpi) if actuals is None else actuals
    known = {key: actual for key, actual in every.items() if _known_at_first_half(key, year)}
    half_result = result_for_year(kpi, year, today, results(kpi, today, known, ending_in=year))
    if half_result is None:
        return None
    return replace(half_result, status=year_result.status if year_result else half_result.status)


def _year_of(kpi: Kpi, today: datetime.date) -> int:
    if kpi.is_calendar_year:
        return today.year
    return today.year if today.month >= 4 else today.year - 1


@dataclass(frozen=True)
class ItemsMet:
    """ "Regional KPI items met / total" (地域KPIの達成項目数／項目数) for a set of KPIs."""

    total: int
    met: int

    @property
    def rate(self) -> Decimal | None:
        return ratio_percent(self.met, self.total, 1)

    def __add__(self, other: ItemsMet) -> ItemsMet:
        return ItemsMet(self.total + other.total, self.met + other.met)


def items_met(period_results: Iterable[PeriodResult | None]) -> ItemsMet:
    """Items with a target in the period, and how many of them were achieved."""
    counted = [r for r in period_results if r is not None and r.target is not None]
    return ItemsMet(total=len(counted), met=sum(1 for r in counted if r.status == Status.ACHIEVED))
