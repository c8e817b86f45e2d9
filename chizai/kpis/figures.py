"""The figures table (`KpiFigure`): each KPI's results, kept current by the spine's writers, read by the pages.

`refresh()` recomputes a KPI's figures with `chizai.kpis.achievement` (the one home of the arithmetic and the
plan's rounding) and is called by every writer in `chizai.kpis.actions`, inside the write's transaction, once per
KPI touched. Pages then read stored figures (`load()`, `regional_items()`) in a fixed number of queries instead of
recomputing every KPI from every row. What depends on the day — the status (進行中 until a period ends, then
達成/未達), the latest period — is derived when read, by the same `achievement` functions.

A KPI without the `computed` mark (rows written behind the writers' back, e.g. raw SQL or a test's ORM fixture)
is computed from its raw rows when read, so a page is never wrong; `chizai verify_figures` reports it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)

from chizai.kpis import achievement
from chizai.kpis.achievement import ItemsMet, PeriodResult, Status, YearFigure
from chizai.kpis.models import Actual, FigureView, Kpi, KpiFigure, Shape, Target
from chizai.organizations.models import Organization

FAR_FUTURE = datetime.date.max
"""The day every period has ended: a result's status then no longer depends on the day (達成・未達・評価不能)."""

STORED_FIELDS = (
    "start_year",
    "end_year",
    "label",
    "target",
    "target_note",
    "actual",
    "first_half",
    "second_half",
    "complete",
    "achievement",
    "first_half_achievement",
    "forecast",
    "forecast_achievement",
    "progress",
)
"""The PeriodResult fields stored as they are (everything but the status)."""

COMPARED_FIELDS = (*STORED_FIELDS, "view", "position", "fixed_status", "met", "period_end", "for_year")
"""What `verify_figures` compares between a stored figure and a recomputed one."""


# --- computing and storing -------------------------------------------------------------------------------


def _row(kpi: Kpi, view: str, position: int, result: PeriodResult, for_year: bool = False) -> dict[str, Any]:
    """A figure row's values from a result computed as of FAR_FUTURE (so its status is final, or fixed by the KPI)."""
    values = {"kpi_id": kpi.pk, "view": view, "position": position}
    for name in STORED_FIELDS:
        values[name] = getattr(result, name)
    # At FAR_FUTURE only a status fixed by the KPI (a baseline KPI's intermediate year) is 進行中.
    values["fixed_status"] = result.status.value if result.status == Status.IN_PROGRESS else ""
    values["met"] = result.status == Status.ACHIEVED
    values["period_end"] = achievement.period_end_date(kpi, result.end_year)
    values["for_year"] = for_year
    return values


def compute_values(kpi: Kpi) -> list[dict[str, Any]]:
    """The KPI's figure rows as values by field attname (the other fields keep their defaults), from its targets
    and actuals (prefetched or not): `compute` without a model instance per row, for a bulk writer."""
    actuals = achievement.actuals_by_period(kpi)
    results = achievement.results(kpi, FAR_FUTURE, actuals)
    chosen = {}
    for year in sorted({r.end_year for r in results}):
        picked = achievement.result_for_year(kpi, year, FAR_FUTURE, results)
        if picked is not None:
            chosen[year] = picked
    rows: list[dict[str, Any]] = [{"kpi_id": kpi.pk, "view": FigureView.COMPUTED}]
    rows += [_row(kpi, FigureView.YEAR, i, r, for_year=chosen.get(r.end_year) is r) for i, r in enumerate(results)]
    halves = (achievement.first_half_result(kpi, year, FAR_FUTURE, results, actuals) for year in chosen)
    rows += [_row(kpi, FigureView.FIRST_HALF, i, r) for i, r in enumerate(h for h in halves if h is not None)]
    return rows


def compute(kpi: Kpi) -> list[KpiFigure]:
    """The KPI's figure rows (unsaved), from its targets and actuals (prefetched or not)."""
    figures = []
    for values in compute_values(kpi):
        del values["kpi_id"]
        figures.append(KpiFigure(kpi=kpi, **values))
    return figures


def _with_rows(kpis: QuerySet[Kpi]) -> list[Kpi]:
    return list(kpis.select_related("plan").prefetch_related("targets", "actuals"))


def refresh(kpis: Iterable[Kpi | int]) -> None:
    """Recompute and store the figures of these KPIs; the writers call it inside their transaction.

    The KPIs' rows are locked first, so that two writes to the same KPI store the figures of both in turn
    (the later refresh reads what the earlier one committed).
    """
    ids = sorted({kpi.pk if isinstance(kpi, Kpi) else kpi for kpi in kpis})
    for start in range(0, len(ids), REFRESH_CHUNK):
        _refresh_chunk(ids[start : start + REFRESH_CHUNK])


REFRESH_CHUNK = 500
"""KPIs refreshed per round of queries (a bulk write of thousands of KPIs stays within SQLite's limits)."""


def _refresh_chunk(ids: list[int]) -> None:
    locked = list(Kpi.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    fresh = _with_rows(Kpi.objects.filter(pk__in=locked))
    KpiFigure.objects.filter(kpi_id__in=locked).delete()
    KpiFigure.objects.bulk_create([row for kpi in fresh for row in compute(kpi)], batch_size=500)


def refresh_plan(plan_id: int) -> None:
    """Recompute every KPI of a plan (its years changed: qualitative KPIs show one row per plan year)."""
    refresh(Kpi.objects.filter(plan_id=plan_id).values_list("pk", flat=True))


# --- figures worked out before a write's transaction (imports) -------------------------------------------
# An import touches thousands of KPIs; computing their figures inside its transaction would hold up every other
# user's save. `compute_ahead` computes them before, from the rows as stored plus the import's changes, and notes
# what they were computed from (`Basis`); inside the transaction `store_ahead` stores those of the KPIs whose
# rows are still as noted, and recomputes the few someone else changed in between.

Basis = tuple[Any, ...]
"""What a KPI's figures were computed from: the KPI's version and plan years, and for its targets and its actuals
the number of rows, the sum of their versions and the highest id (every write changes one of them: an update
raises a version, a removal lowers the count, an insertion raises the count or, with a removal, the highest id)."""


@dataclass
class Ahead:
    """Figures of some KPIs, computed before the write's transaction, as rows ready to insert."""

    basis: dict[int, Basis]
    rows: dict[int, list[list[Any]]]


def compute_ahead(kpi_ids: Iterable[int], changes: dict[int, dict[tuple[int, int, str], Any]], inserter: Any) -> Ahead:
    """The figures of `kpi_ids` once `changes` (KPI id → period → the new actual, None: removed) are written.

    `inserter` (`chizai.audit.bulk.Inserter` of KpiFigure) lays out each row as it will be inserted.
    """
    ahead = Ahead({}, {})
    ids = sorted(set(kpi_ids))
    for start in range(0, len(ids), REFRESH_CHUNK):
        for kpi in _with_rows(Kpi.objects.filter(pk__in=ids[start : start + REFRESH_CHUNK])):
            targets, actuals = list(kpi.targets.all()), list(kpi.actuals.all())
            plan = kpi.plan
            ahead.basis[kpi.pk] = _basis(kpi.version, plan.first_fiscal_year, plan.last_fiscal_year, targets, actuals)
            periods = {(a.start_year, a.end_year, a.half): a for a in actuals}
            periods.update(changes.get(kpi.pk, {}))
            kpi._prefetched_objects_cache["actuals"] = [a for a in periods.values() if a is not None]  # type: ignore[attr-defined]
            ahead.rows[kpi.pk] = [inserter.new_row(values) for values in compute_values(kpi)]
    return ahead


def _basis(version: int, first: int, last: int, targets: Sequence[Any], actuals: Sequence[Any]) -> Basis:
    def rows(objs: Sequence[Any]) -> tuple[int, int, int]:
        return (len(objs), sum(o.version for o in objs), max((o.pk for o in objs), default=0))

    return (version, first, last, *rows(targets), *rows(actuals))


def changed_since(ahead: Ahead) -> set[int]:
    """The KPIs (locked, as `refresh` locks them) whose rows changed since `compute_ahead` read them.

    Call it inside the transaction before writing the changes the figures were computed with.
    """
    ids = sorted(ahead.basis)
    now: dict[int, list[Any]] = {}
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        kpis = Kpi.objects.select_for_update(of=("self",)).filter(pk__in=chunk).order_by("pk")
        years = ("plan__first_fiscal_year", "plan__last_fiscal_year")
        for pk, version, first, last in kpis.values_list("pk", "version", *years):
            now[pk] = [version, first, last, 0, 0, 0, 0, 0, 0]
        for offset, model in ((3, Target), (6, Actual)):
            grouped = model.objects.filter(kpi_id__in=chunk).values("kpi_id").order_by("kpi_id")
            for kpi_id, count, versions, top in grouped.annotate(
                n=Count("pk"), v=Sum("version"), top=Max("pk")
            ).values_list("kpi_id", "n", "v", "top"):
                now[kpi_id][offset : offset + 3] = [count, versions or 0, top or 0]
    return {pk for pk in ids if tuple(now.get(pk, ())) != ahead.basis[pk]}


def store_ahead(ahead: Ahead, *, skip: set[int], inserter: Any) -> None:
    """Replace the stored figures of the KPIs of `ahead` but `skip` with those computed ahead (in bulk)."""
    ids = sorted(set(ahead.rows) - skip)
    for start in range(0, len(ids), REFRESH_CHUNK):
        replaced = ids[start : start + REFRESH_CHUNK]
        KpiFigure.objects.filter(kpi_id__in=replaced).delete()
    inserter.run([row for pk in ids for row in ahead.rows[pk]])


# --- reading ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredFigure:
    """A KpiFigure row as pages read it: a plain tuple's worth of values, not a model instance (a page of the
    national compilation reads thousands)."""

    kpi_id: int
    view: str
    position: int
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
    fixed_status: str
    for_year: bool


LOADED_FIELDS = ("kpi_id", "view", "position", *STORED_FIELDS, "fixed_status", "for_year")


def _stored(figure: KpiFigure) -> StoredFigure:
    return StoredFigure(*(getattr(figure, name) for name in LOADED_FIELDS))


def stored_result(kpi: Kpi, figure: StoredFigure, today: datetime.date, status: Status | None = None) -> PeriodResult:
    """The PeriodResult a stored figure stands for, its status derived for `today` by `achievement.status_of`."""
    if status is None and figure.fixed_status:
        status = Status(figure.fixed_status)
    if status is None:
        year = YearFigure(figure.actual, figure.first_half, figure.second_half, figure.complete)
        status = achievement.status_of(kpi, target=figure.target, figure=year, end_year=figure.end_year, today=today)
    values: dict[str, Any] = {name: getattr(figure, name) for name in STORED_FIELDS}
    return PeriodResult(**values, status=status)


@dataclass
class Figures:
    """The stored figures of some KPIs, read once; each method derives what depends on `today`."""

    rows: dict[int, list[StoredFigure]]

    def _view(self, kpi: Kpi, view: str) -> list[StoredFigure]:
        return [f for f in self.rows.get(kpi.pk, []) if f.view == view]

    def results(self, kpi: Kpi, today: datetime.date) -> list[PeriodResult]:
        """As `achievement.results` (needs every year's rows: load without `year`)."""
        return [stored_result(kpi, f, today) for f in self._view(kpi, FigureView.YEAR)]

    def latest(self, kpi: Kpi, today: datetime.date) -> PeriodResult | None:
        """As `achievement.latest_result`."""
        return achievement.latest_result(kpi, today, self.results(kpi, today))

    def for_year(self, kpi: Kpi, year: int, today: datetime.date) -> PeriodResult | None:
        """As `achievement.result_for_year`."""
        for figure in self._view(kpi, FigureView.YEAR):
            if figure.for_year and figure.end_year == year:
                return stored_result(kpi, figure, today)
        return None

    def first_half(self, kpi: Kpi, year: int, today: datetime.date) -> PeriodResult | None:
        """As `achievement.first_half_result`: the year's 上期 figures with the year's own status."""
        year_result = self.for_year(kpi, year, today)
        for figure in self._view(kpi, FigureView.FIRST_HALF):
            if figure.end_year == year:
                return stored_result(kpi, figure, today, year_result.status if year_result else None)
        return None


def load(
    kpis: Sequence[Kpi], *, year: int | None = None, years: Sequence[int] | None = None, first_halves: bool = True
) -> Figures:
    """The stored figures of the KPIs in one query; KPIs never computed are computed from their raw rows here (two
    more queries, only when there are such KPIs).

    With `year` or `years`, only what `Figures.for_year` and (unless `first_halves` is false) `Figures.first_half`
    read for those years is loaded: a page of many KPIs reads one or two rows a KPI instead of every period's."""
    wanted_years = None if year is None and years is None else {*(years or ()), *([year] if year else [])}
    views = [FigureView.YEAR, *([FigureView.FIRST_HALF] if first_halves else [])]
    figures = KpiFigure.objects.filter(kpi_id__in=[kpi.pk for kpi in kpis])
    if wanted_years is not None:
        of_years = Q(view__in=views, end_year__in=wanted_years) & (Q(for_year=True) | Q(view=FigureView.FIRST_HALF))
        figures = figures.filter(Q(view=FigureView.COMPUTED) | of_years)
    rows: dict[int, list[StoredFigure]] = defaultdict(list)
    for values in figures.order_by("kpi_id", "view", "position").values_list(*LOADED_FIELDS):
        figure = StoredFigure(*values)
        rows[figure.kpi_id].append(figure)
    missing = [kpi for kpi in kpis if not any(f.view == FigureView.COMPUTED for f in rows.get(kpi.pk, []))]
    if missing:
        prefetch_related_objects(missing, "plan", "targets", "actuals")
        for kpi in missing:
            wanted = (
                f
                for f in compute(kpi)
                if wanted_years is None
                or f.view == FigureView.COMPUTED
                or (f.view in views and f.end_year in wanted_years and (f.for_year or f.view == FigureView.FIRST_HALF))
            )
            rows[kpi.pk] = [_stored(f) for f in wanted]
    return Figures(dict(rows))


# --- regional KPI items met, counted in the database -----------------------------------------------------


@dataclass(frozen=True)
class RegionalItems:
    """Regional KPI items met / total (地域KPIの達成項目数／項目数) per block and fiscal year."""

    count: int
    blocks: list[Organization | None]
    by_block: dict[tuple[int | None, int], ItemsMet]

    def of(self, bureau: Organization | None, year: int) -> ItemsMet:
        return self.by_block.get((bureau.pk if bureau else None, year), ItemsMet(0, 0))

    def national(self, year: int) -> ItemsMet:
        return sum((self.of(bureau, year) for bureau in self.blocks), ItemsMet(0, 0))


def _year_filter(year: int, relation: str = "figures") -> Q:
    return Q(
        **{
            f"{relation}__view": FigureView.YEAR,
            f"{relation}__for_year": True,
            f"{relation}__end_year": year,
            f"{relation}__target__isnull": False,
        }
    )


def regional_items(kpis: QuerySet[Kpi], years: Sequence[int], today: datetime.date) -> RegionalItems:
    """Items met per block (the owner's bureau) and year, as `achievement.items_met` over each KPI's
    `result_for_year` — counted by the database from the stored figures: an item is met once its period has
    ended (`period_end` before today) and its stored figure met the target. Two queries, whatever the number of
    KPIs; KPIs never computed are computed from their raw rows (more queries, only when there are such KPIs)."""
    count, by_block = items_by(kpis, "owner__bureau_id", years, today)
    bureaus = Organization.objects.in_bulk([bureau_id for bureau_id in count if bureau_id])
    blocks = sorted((bureaus.get(bureau_id) for bureau_id in count), key=lambda b: b.sort_order if b else 99)
    return RegionalItems(sum(count.values()), blocks, by_block)


def items_by(
    kpis: QuerySet[Kpi], key: str, years: Sequence[int], today: datetime.date
) -> tuple[dict[Any, int], dict[tuple[Any, int], ItemsMet]]:
    """The KPIs counted per value of `key` (a KPI field such as "owner_id"), and their items met per key and year,
    in one query (and more only for KPIs whose figures were never stored)."""
    # Only the rows counted are joined (the marker and the years' results), not every period's of every KPI.
    counted = FilteredRelation(
        "figures",
        condition=Q(figures__view=FigureView.COMPUTED)
        | Q(figures__view=FigureView.YEAR, figures__for_year=True, figures__end_year__in=years),
    )
    annotations: dict[str, Any] = {
        "items": Count("pk", distinct=True),
        "computed": Count("counted", filter=Q(counted__view=FigureView.COMPUTED)),
    }
    for year in years:
        annotations[f"total_{year}"] = Count("counted", filter=_year_filter(year, "counted"))
        annotations[f"met_{year}"] = Count(
            "counted", filter=_year_filter(year, "counted") & Q(counted__met=True, counted__period_end__lt=today)
        )
    lines = kpis.order_by().annotate(counted=counted).values(key).annotate(**annotations)
    grouped: list[dict[str, Any]] = [dict(line) for line in lines]
    by_key = {
        (line[key], year): ItemsMet(line[f"total_{year}"], line[f"met_{year}"]) for line in grouped for year in years
    }
    if any(line["computed"] < line["items"] for line in grouped):
        _add_uncomputed(kpis, key, years, today, by_key)
    return {line[key]: line["items"] for line in grouped}, by_key


def all_computed(kpis: QuerySet[Kpi]) -> bool:
    """Whether every KPI of `kpis` has its figures stored (none written behind the writers' back)."""
    computed = KpiFigure.objects.filter(kpi=OuterRef("pk"), view=FigureView.COMPUTED)
    return not kpis.filter(~Exists(computed)).exists()


def body_years_counted(
    kpis: QuerySet[Kpi], years: Sequence[int], today: datetime.date, make: Any
) -> dict[int, dict[int, Any]]:
    """Per owner and year: items with a target, met, in progress and not achieved, counted by the database from
    the stored figures in one query — what `kpis.comparison.body_years` works out KPI by KPI with
    `achievement.status_of`. `make(year, items, in_progress, not_achieved)` builds each cell. Every KPI must have
    its figures stored (`all_computed`)."""
    evaluable = Q(measurable=True) & ~Q(shape=Shape.QUALITATIVE)
    ended = Q(figures__period_end__lt=today, figures__fixed_status="")
    annotations: dict[str, Any] = {}
    for year in years:
        scope = _year_filter(year)
        annotations[f"total_{year}"] = Count("figures", filter=scope)
        annotations[f"met_{year}"] = Count("figures", filter=scope & ended & Q(figures__met=True))
        annotations[f"open_{year}"] = Count("figures", filter=scope & evaluable & ~ended)
        annotations[f"missed_{year}"] = Count(
            "figures",
            filter=scope
            & evaluable
            & ended
            & Q(figures__actual__isnull=False, figures__complete=True, figures__met=False),
        )
    table: dict[int, dict[int, Any]] = {}
    lines: list[dict[str, Any]] = [dict(row) for row in kpis.order_by().values("owner_id").annotate(**annotations)]
    for line in lines:
        table[line["owner_id"]] = {
            year: make(
                year,
                ItemsMet(line[f"total_{year}"], line[f"met_{year}"]),
                line[f"open_{year}"],
                line[f"missed_{year}"],
            )
            for year in years
        }
    return table


def _add_uncomputed(
    kpis: QuerySet[Kpi], key: str, years: Sequence[int], today: datetime.date, by_key: dict[tuple[Any, int], ItemsMet]
) -> None:
    computed = KpiFigure.objects.filter(kpi=OuterRef("pk"), view=FigureView.COMPUTED)
    uncomputed = kpis.filter(~Exists(computed)).annotate(group_key=F(key))
    for kpi in _with_rows(uncomputed):
        rows = achievement.results(kpi, today)
        for year in years:
            group = (getattr(kpi, "group_key"), year)  # noqa: B009 (an annotation)
            by_key[group] = by_key.get(group, ItemsMet(0, 0)) + achievement.items_met(
                [achievement.result_for_year(kpi, year, today, rows)]
            )


# --- verifying -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A KPI whose stored figures differ from the ones its raw rows give."""

    kpi: Kpi
    lines: list[str]


def _describe(figure: KpiFigure | None) -> dict[str, Any]:
    if figure is None:
        return {}
    return {name: getattr(figure, name) for name in COMPARED_FIELDS}


def _key(figure: KpiFigure) -> tuple[str, int]:
    return (figure.view, figure.position)


def differences(kpi: Kpi, stored: list[KpiFigure]) -> list[str]:
    """What differs between the KPI's stored figures and its figures recomputed now (empty: none)."""
    expected = {_key(f): f for f in compute(kpi)}
    found = {_key(f): f for f in stored}
    lines = []
    for key in sorted(set(expected) | set(found)):
        want, have = _describe(expected.get(key)), _describe(found.get(key))
        if want == have:
            continue
        if not have:
            lines.append(f"{key[0]}#{key[1]}: 保存されていません / missing {want.get('label', '')}")
        elif not want:
            lines.append(f"{key[0]}#{key[1]}: 余分な集計値 / unexpected {have.get('label', '')}")
        else:
            changed = [f"{n}: {have[n]!r} → {want[n]!r}" for n in COMPARED_FIELDS if have[n] != want[n]]
            lines.append(f"{key[0]}#{key[1]} {want.get('label', '')}: " + "; ".join(changed))
    return lines


def verify(kpis: QuerySet[Kpi] | None = None, *, chunk: int = 500) -> list[Difference]:
    """Every KPI whose stored figures differ from its raw targets and actuals, chunk by chunk."""
    ids = list((kpis if kpis is not None else Kpi.objects.all()).order_by("pk").values_list("pk", flat=True))
    found = []
    for start in range(0, len(ids), chunk):
        batch = _with_rows(Kpi.objects.filter(pk__in=ids[start : start + chunk]).order_by("pk"))
        stored: dict[int, list[KpiFigure]] = defaultdict(list)
        for figure in KpiFigure.objects.filter(kpi_id__in=[k.pk for k in batch]):
            stored[figure.kpi_id].append(figure)
        for kpi in batch:
            lines = differences(kpi, stored[kpi.pk])
            if lines:
                found.append(Difference(kpi, lines))
    return found


# --- a KPI's status for a year, as a filter ------------------------------------------------------------------


def with_status(kpis: QuerySet[Kpi], status: Status, year: int, today: datetime.date) -> QuerySet[Kpi]:
    """The KPIs whose result for `year` (`Figures.for_year`) has `status` on `today`, chosen by the database from
    the stored figures with the rule of `achievement.status_of`: 進行中 until the period ends (or fixed by the KPI),
    then 達成 or 未達 when the year's figure is complete. KPIs whose figures were never stored are not found."""
    # The year's figures are found through their index, then the KPIs among them (not a lookup per KPI).
    figures = KpiFigure.objects.filter(view=FigureView.YEAR, for_year=True, end_year=year)
    evaluable = Q(measurable=True) & ~Q(shape=Shape.QUALITATIVE)
    ended = Q(period_end__lt=today, fixed_status="", target__isnull=False)
    if status == Status.IN_PROGRESS:
        fixed = figures.filter(fixed_status=Status.IN_PROGRESS.value).values("kpi_id")
        running = figures.filter(fixed_status="", period_end__gte=today, target__isnull=False).values("kpi_id")
        return kpis.filter(Q(pk__in=fixed) | (evaluable & Q(pk__in=running)))
    if status == Status.ACHIEVED:
        return kpis.filter(evaluable, pk__in=figures.filter(ended, met=True).values("kpi_id"))
    if status == Status.NOT_ACHIEVED:
        missed = ended & Q(met=False, actual__isnull=False, complete=True)
        return kpis.filter(evaluable, pk__in=figures.filter(missed).values("kpi_id"))
    raise ValueError(f"not a status a filter chooses: {status}")
