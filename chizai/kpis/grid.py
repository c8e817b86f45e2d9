"""The entry grid (実績の一括入力): every KPI of an organisation × 上期・下期・通期 of one fiscal year on one page.

A cell is validated by the entry form itself (`chizai.kpis.forms.ActualForm`), so the grid shows the same
Japanese messages as the one-value form; the cells are written together by the bulk writer
(`chizai.kpis.actions.save_actuals`) in one transaction. Each cell carries the version of the figure the page
showed: a figure someone else changed since is a conflict, reported on that cell with the current value while
the typed value stays in the cell. Cells the user may not type in (a figure an accepted self-evaluation locked, a
figure counted from hands-on support cases, a qualitative KPI) are read-only and say why.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from chizai.kpis import achievement
from chizai.kpis.actions import ActualValue, counted_message
from chizai.kpis.forms import ActualForm
from chizai.kpis.locks import lock_reasons
from chizai.kpis.models import COUNTED_SOURCES, Actual, HalfChoice, Kpi, Plan, Shape
from chizai.lib.numbers import format_number, format_quantity
from chizai.organizations.models import Organization

HALVES = (HalfChoice.FIRST, HalfChoice.SECOND, HalfChoice.FULL)
QUALITATIVE_REASON = "定性的に評価する指標のため、数値の実績は入力しません。"
RATIO_PARTS_REASON = "該当数（分子）と対象数（分母）で入力された値です。KPIの実績入力画面で変更してください。"
CALENDAR_HALF_REASON = "暦年で数える指標のため、半期の実績はありません。通期（年の値）に入力してください。"
DERIVED_REASON = "上期・下期の実績から計算した年度の値です（通期を入力した場合はその値）。直接は入力できません。"


def plain(value: Decimal | None) -> str:
    """A figure as it goes into a cell: 1234, 12.5 (no separators, no trailing zeros)."""
    return "" if value is None else format_number(value).replace(",", "")


@dataclass
class Cell:
    """One figure of the grid: a KPI's 上期, 下期 or 通期 actual of the year."""

    kpi: Kpi
    half: str
    stored: Actual | None
    readonly_reason: str | None
    text: str = ""
    version: int = 0
    original: str = ""
    error: str = ""
    conflict: str = ""  # the value someone else stored meanwhile (as shown), when the typed value conflicts

    @property
    def name(self) -> str:
        return f"c-{self.kpi.pk}-{self.half}"

    @property
    def label(self) -> str:
        return HalfChoice(self.half).label

    @property
    def editable(self) -> bool:
        return self.readonly_reason is None

    @property
    def changed(self) -> bool:
        return self.text.strip() != self.original.strip()


@dataclass
class Row:
    """A KPI's line of the grid: its three cells and, read-only, the year's target, figure and achievement."""

    kpi: Kpi
    cells: list[Cell]
    target: Decimal | None
    year_figure: Decimal | None
    achievement: Decimal | None

    @property
    def year_text(self) -> str:
        return format_quantity(self.year_figure, self.kpi.unit)


@dataclass
class Grid:
    organization: Organization
    plan: Plan
    year: int
    rows: list[Row]
    problems: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        return [cell for row in self.rows for cell in row.cells]

    @property
    def errors(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.error]

    @property
    def conflicts(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.conflict]

    @property
    def editable(self) -> bool:
        return any(cell.editable for cell in self.cells)


def grid_kpis(organization: Organization, plan: Plan) -> list[Kpi]:
    return list(Kpi.objects.for_plan(plan).filter(owner=organization).with_values().order_by("sort_order", "pk"))


def build_grid(organization: Organization, plan: Plan, year: int, today: datetime.date) -> Grid:
    """The grid as stored now: one row per KPI of the organisation in the plan, in the plan's order."""
    kpis = grid_kpis(organization, plan)
    locks = lock_reasons([(kpi, year, year, half) for kpi in kpis for half in HALVES])
    rows = []
    for index, kpi in enumerate(kpis):
        stored = {a.half: a for a in kpi.actuals.all() if a.start_year == a.end_year == year}
        cells = []
        for offset, half in enumerate(HALVES):
            actual = stored.get(half)
            reason = readonly_reason(kpi, half, actual, locks[index * len(HALVES) + offset])
            text = _shown(actual)
            cells.append(
                Cell(kpi, half, actual, reason, text=text, original=text, version=actual.version if actual else 0)
            )
        rows.append(_row(kpi, cells, year, today))
    return Grid(organization, plan, year, rows)


def _row(kpi: Kpi, cells: list[Cell], year: int, today: datetime.date) -> Row:
    result = achievement.result_for_year(kpi, year, today)
    figure = achievement.year_figure(kpi, year)
    return Row(
        kpi,
        cells,
        target=result.target if result and result.start_year == year else None,
        year_figure=figure.value,
        achievement=result.achievement if result and result.start_year == year else None,
    )


def _shown(actual: Actual | None) -> str:
    return "" if actual is None else plain(actual.figure)


def readonly_reason(kpi: Kpi, half: str, actual: Actual | None, lock: str | None) -> str | None:
    """Why the user may not type in this cell (in Japanese), or None when they may."""
    if kpi.shape == Shape.QUALITATIVE or not kpi.measurable:
        return QUALITATIVE_REASON
    if kpi.counting_rule or (actual is not None and actual.source in COUNTED_SOURCES):
        return counted_message(actual)
    if kpi.is_calendar_year and half != HalfChoice.FULL:
        return CALENDAR_HALF_REASON
    if lock is not None:
        return lock
    if actual is not None and actual.numerator is not None:
        return RATIO_PARTS_REASON
    return None


def bind(grid: Grid, data: Mapping[str, str]) -> list[tuple[Cell, ActualValue]]:
    """Read the posted cells into the grid; every changed cell validated and version-checked.

    Returns the rows to write, one per changed cell. Cells with an error get `error` (the entry form's message);
    cells whose figure changed since the page was loaded get `conflict` (the value stored now) and take the
    current version, so that saving again writes the typed value over it.
    """
    rows: list[tuple[Cell, ActualValue]] = []
    for cell in grid.cells:
        if not cell.editable:
            continue
        text = str(data.get(cell.name, cell.text))
        original = str(data.get(f"o-{cell.name}", cell.original))
        if text.strip() == original.strip():
            continue  # untouched: the cell shows the figure stored now
        cell.text, cell.original = text, original
        seen = _version(data.get(f"v-{cell.name}"))
        value = _validated(cell, grid.year)
        if cell.error:
            continue
        if seen != cell.version and cell.stored is not None and cell.stored.value == value:
            continue  # someone else stored the very figure typed: nothing to write, nothing lost
        if seen != cell.version:
            cell.conflict = format_quantity(cell.stored.figure, cell.kpi.unit) if cell.stored else "（削除済み）"
            cell.original = _shown(cell.stored)
            continue
        rows.append((cell, ActualValue(cell.kpi, grid.year, grid.year, cell.half, value, expected_version=seen)))
    return rows


def _version(raw: str | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() else None


def _validated(cell: Cell, year: int) -> Decimal | None:
    """The cell's value as the entry form reads it; sets `cell.error` to the form's first message otherwise."""
    form = ActualForm(
        {"year": str(year), "half": cell.half, "value": cell.text, "version": str(cell.version)}, kpi=cell.kpi
    )
    if form.is_valid():
        value: Decimal | None = form.cleaned_data["value"]
        return value
    messages = [str(message) for errors in form.errors.values() for message in errors]
    cell.error = messages[0] if messages else "入力内容を確認してください。"
    return None
