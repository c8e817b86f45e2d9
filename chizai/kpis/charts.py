"""Geometry for the inline SVG chart of a KPI (actual bars against target marks); no script needed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chizai.kpis.achievement import PeriodResult
from chizai.lib.numbers import format_number

WIDTH = 640
HEIGHT = 260
TOP = 20
BOTTOM = 40
LEFT = 64
RIGHT = 16


@dataclass(frozen=True)
class Bar:
    label: str
    x: float
    width: float
    y: float
    height: float
    value_label: str
    target_y: float | None
    status: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    gridlines: list[tuple[float, str]]
    baseline_y: float
    description: str


def _nice_ceiling(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        ceiling = magnitude * Decimal(str(step))
        if ceiling >= value:
            return ceiling
    return magnitude * 10


def build_chart(rows: list[PeriodResult], unit: str) -> Chart | None:
    """Bars for each period with a figure; a mark at each target. None when nothing is measured."""
    measured = [r for r in rows if r.actual is not None or r.target is not None]
    if not any(r.actual is not None for r in measured):
        return None
    peak = max([r.actual or Decimal(0) for r in measured] + [r.target or Decimal(0) for r in measured])
    ceiling = _nice_ceiling(peak * Decimal("1.05"))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(measured)

    def y_of(value: Decimal) -> float:
        return TOP + plot_height * float(1 - value / ceiling)

    bars = []
    for index, row in enumerate(measured):
        value = row.actual or Decimal(0)
        top = y_of(value)
        bars.append(
            Bar(
                label=row.label,
                x=LEFT + slot * index + slot * 0.2,
                width=slot * 0.6,
                y=top,
                height=TOP + plot_height - top,
                value_label=format_number(row.actual) + unit if row.actual is not None else "未報告",
                target_y=y_of(row.target) if row.target is not None else None,
                status=row.status.value,
            )
        )
    gridlines = [(y_of(ceiling * Decimal(i) / 4), format_number(ceiling * Decimal(i) / 4)) for i in range(5)]
    description = "、".join(
        f"{r.label} 実績{format_number(r.actual)}{unit} 目標{format_number(r.target)}{unit}" for r in measured
    )
    return Chart(WIDTH, HEIGHT, bars, gridlines, TOP + plot_height, description)
