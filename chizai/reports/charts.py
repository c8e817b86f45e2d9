"""Charts for documents, drawn by matplotlib (Agg) as SVG with the BIZ UD fonts and Japanese labels.

Each chart comes with its text equivalent (a caption stating every figure), and a PNG rendering of the
same figure as the fallback Word shows where it cannot draw SVG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, pyplot  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from chizai.lib.numbers import format_number, format_percent  # noqa: E402

WANTED_FONTS = ["BIZ UDGothic", "BIZ UDPGothic", "Noto Sans CJK JP", "DejaVu Sans"]
# Only the installed ones: matplotlib looks every listed family up for every text and warns of each missing one
# (a national document has hundreds of texts).
FONT_FAMILY = [name for name in WANTED_FONTS if name in {font.name for font in font_manager.fontManager.ttflist}]
INK = "#1f3a5f"
TARGET = "#c0392b"
MUTED = "#9aa5b1"
WIDTH_INCHES = 6.3  # A4 text width at 20 mm margins

matplotlib.rcParams.update(
    {
        "font.family": FONT_FAMILY,
        "svg.fonttype": "none",  # text stays text: searchable in the PDF, drawn with the embedded BIZ UD font
        "svg.hashsalt": "chizai",  # stable ids: the same data gives the same SVG
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 9,
    }
)


@dataclass(frozen=True)
class Rendered:
    svg: str
    png: bytes


def _render(figure: Figure) -> Rendered:
    figure.tight_layout()
    svg = io.StringIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=200)
    pyplot.close(figure)
    text = svg.getvalue()
    return Rendered(text[text.index("<svg") :], png.getvalue())


def _floats(values: Sequence[Decimal | None]) -> list[float]:
    return [float(v) if v is not None else 0.0 for v in values]


def trend_chart(labels: list[str], actuals: list[Decimal | None], targets: list[Decimal | None], unit: str) -> Rendered:
    """A KPI's actual per period (bars) against its target (marks)."""
    figure, axes = pyplot.subplots(figsize=(WIDTH_INCHES, 2.6))
    positions = list(range(len(labels)))
    bars = axes.bar(positions, _floats(actuals), width=0.6, color=INK, label="実績")
    for bar, value in zip(bars, actuals, strict=True):
        text = format_number(value) if value is not None else "未報告"
        axes.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", size=8)
    marked = [(p, float(t)) for p, t in zip(positions, targets, strict=True) if t is not None]
    if marked:
        axes.scatter([p for p, _ in marked], [t for _, t in marked], marker="_", s=900, color=TARGET, label="目標")
    axes.set_xticks(positions, labels)
    axes.set_ylabel(unit)
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=2)
    return _render(figure)


def rate_chart(labels: list[str], rates: list[Decimal | None], *, decimals: int = 1) -> Rendered:
    """Horizontal bars of shares (%) with the 100 % line, as the plan's figures 4–6 show shares."""
    height = max(1.6, 0.28 * len(labels) + 0.8)
    figure, axes = pyplot.subplots(figsize=(WIDTH_INCHES, height))
    positions = list(range(len(labels)))[::-1]
    values = _floats(rates)
    bars = axes.barh(positions, values, height=0.6, color=[INK if r is not None else MUTED for r in rates])
    for bar, rate in zip(bars, rates, strict=True):
        text = format_percent(rate, decimals) if rate is not None else "—"
        axes.annotate(
            text,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            xytext=(3, 0),
            textcoords="offset points",
            size=8,
        )
    axes.axvline(100, color=TARGET, linewidth=0.8, linestyle="--")
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, max([110.0, *values]) * 1.12)
    axes.set_xlabel("達成率（%）")
    return _render(figure)


def items_chart(labels: list[str], met: list[int], totals: list[int]) -> Rendered:
    """Regional KPI items met against all items, per fiscal year."""
    figure, axes = pyplot.subplots(figsize=(WIDTH_INCHES, 2.4))
    positions = list(range(len(labels)))
    axes.bar(positions, totals, width=0.6, color=MUTED, label="項目数")
    bars = axes.bar(positions, met, width=0.6, color=INK, label="達成した項目数")
    for bar, count, total in zip(bars, met, totals, strict=True):
        axes.annotate(f"{count}/{total}", (bar.get_x() + bar.get_width() / 2, total), ha="center", va="bottom", size=8)
    axes.set_xticks(positions, labels)
    axes.set_ylabel("件")
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=2)
    return _render(figure)
