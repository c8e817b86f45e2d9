"""The KPI table of a self-evaluation, computed from the KPI data (never retyped), with suggested ratings."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects

from chizai.kpis import figures
from chizai.kpis.achievement import PeriodResult
from chizai.kpis.models import Actual, HalfChoice, Kpi
from chizai.lib.fiscal import Half
from chizai.pdca.models import KpiRating, RatingScale, SelfEvaluation, SnapshotValue


@dataclass(frozen=True)
class ChangedValue:
    """A figure that differs from what JPO accepted (受理後に変更)."""

    label: str
    accepted: Decimal | None
    current: Decimal | None


@dataclass(frozen=True)
class KpiRow:
    kpi: Kpi
    result: PeriodResult | None
    basis: Decimal | None
    suggested: str
    rating: KpiRating | None
    changes: list[ChangedValue]

    @property
    def final_rating(self) -> str:
        if self.rating is not None and self.rating.rating:
            return self.rating.rating
        return self.suggested

    @property
    def overridden(self) -> bool:
        return self.rating is not None and bool(self.rating.rating) and self.rating.rating != self.suggested


def rating_basis(result: PeriodResult | None, half: str) -> Decimal | None:
    """The rate a rating is suggested from: at 上期 the year-end forecast's rate, at 下期 the year's rate."""
    if result is None:
        return None
    if half == Half.FIRST and not result.complete and result.forecast_achievement is not None:
        return result.forecast_achievement
    return result.achievement


def stored_half_results(
    kpis: list[Kpi], fiscal_year: int, half: str, today: datetime.date, stored: figures.Figures
) -> dict[int, PeriodResult | None]:
    """Each KPI's result as the half year's evaluation reports it (上期: the figures up to 上期 only), read from the
    stored figures (`figures.load(kpis, year=fiscal_year)`)."""
    if half == Half.FIRST:
        return {kpi.pk: stored.first_half(kpi, fiscal_year, today) for kpi in kpis}
    return {kpi.pk: stored.for_year(kpi, fiscal_year, today) for kpi in kpis}


def load_year_actuals(kpis: list[Kpi], fiscal_year: int) -> None:
    """Prefetch the actuals a half year of `fiscal_year` reports (`period_actuals`), in one query."""
    prefetch_related_objects(kpis, Prefetch("actuals", queryset=Actual.objects.filter(end_year=fiscal_year)))


def period_actuals(kpi: Kpi, fiscal_year: int, half: str) -> list[Actual]:
    """The figures a half-year evaluation reports: the 上期 figure, or the year's figures at 下期."""
    from chizai.pdca.locks import period_of_actual

    return [a for a in kpi.actuals.all() if period_of_actual(a.start_year, a.end_year, a.half) == (fiscal_year, half)]


def kpis_of(evaluation: SelfEvaluation) -> list[Kpi]:
    return list(
        Kpi.objects.filter(plan_id=evaluation.period.plan_id, owner_id=evaluation.organization_id)
        .with_values()
        .order_by("sort_order", "pk")
    )


def _table_kpis(evaluation: SelfEvaluation, accepted_once: bool) -> list[Kpi]:
    """The organisation's KPIs for the table: their figures come from the stored figures; the year's actuals are
    read only for an evaluation JPO accepted once (its 受理後に変更 check)."""
    kpis = list(
        Kpi.objects.filter(plan_id=evaluation.period.plan_id, owner_id=evaluation.organization_id)
        .select_related("plan")
        .order_by("sort_order", "pk")
    )
    if accepted_once:
        load_year_actuals(kpis, evaluation.period.fiscal_year)
    return kpis


def _label(kpi: Kpi, value: SnapshotValue | Actual) -> str:
    half = "" if value.half == HalfChoice.FULL else HalfChoice(value.half).label
    return kpi.label_period(value.start_year, value.end_year) + half


def _changes(kpi: Kpi, snapshots: list[SnapshotValue], fiscal_year: int, half: str) -> list[ChangedValue]:
    current = {(a.start_year, a.end_year, a.half): a for a in period_actuals(kpi, fiscal_year, half)}
    changes = []
    seen = set()
    for snap in snapshots:
        key = (snap.start_year, snap.end_year, snap.half)
        seen.add(key)
        now = current.get(key)
        accepted = Actual(value=snap.value, numerator=snap.numerator, denominator=snap.denominator).figure
        figure = now.figure if now else None
        if figure != accepted:
            changes.append(ChangedValue(_label(kpi, snap), accepted, figure))
    for key, now in current.items():
        if key not in seen and now.figure is not None:
            changes.append(ChangedValue(_label(kpi, now), None, now.figure))
    return changes


def evaluation_rows(
    evaluation: SelfEvaluation,
    today: datetime.date,
    kpis: list[Kpi] | None = None,
    *,
    scale: RatingScale | None = None,
    results: Mapping[int, PeriodResult | None] | None = None,
) -> list[KpiRow]:
    """One row per KPI of the organisation: the half year's result, the suggested and chosen rating, and any
    figure changed since JPO accepted the evaluation.

    A 上期 evaluation reports only what belongs to 上期 (the 上期 actual, its achievement and the year-end
    forecast against the annual target), even when the 下期 has been entered since; its rating follows from
    that. The status is the KPI's status for the year as of `today`, the same one the dashboard shows.

    The results are read from the stored figures (`chizai.kpis.figures`), in a fixed number of queries. A page
    listing many evaluations passes `scale` (read once) so that the thresholds cost one query in all, its `kpis`
    (with the year's actuals for the evaluations accepted once) and their `results` (`stored_half_results`).
    """
    scale = RatingScale.current() if scale is None else scale
    ratings = {r.kpi_id: r for r in evaluation.ratings.all()}
    snapshots: dict[int, list[SnapshotValue]] = {}
    for snap in evaluation.snapshot_values.all():
        snapshots.setdefault(snap.kpi_id, []).append(snap)
    accepted_once = bool(snapshots) or evaluation.accepted_at is not None
    year, half = evaluation.period.fiscal_year, evaluation.period.half
    kpis = _table_kpis(evaluation, accepted_once) if kpis is None else kpis
    if results is None:
        stored = figures.load(kpis, year=year, first_halves=half == Half.FIRST)
        results = stored_half_results(kpis, year, half, today, stored)
    rows = []
    for kpi in kpis:
        result = results[kpi.pk]
        basis = rating_basis(result, half)
        changes = _changes(kpi, snapshots.get(kpi.pk, []), year, half) if accepted_once else []
        rows.append(KpiRow(kpi, result, basis, scale.suggest(basis), ratings.get(kpi.pk), changes))
    return rows
