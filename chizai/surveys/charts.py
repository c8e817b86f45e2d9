"""Horizontal 100% bars as in figures 4–6 of the plan: one bar per group, a segment per answer, n beside it.

Inline SVG drawn from the figures (attributes only: no inline style, so the CSP holds); the table beside it is the
text equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass

from chizai.surveys.models import Question, QuestionKind
from chizai.surveys.results import Distribution

# Colour-blind-safe sequential blues for scales, a qualitative set for choices.
SCALE_COLOURS = ("#d6e4f0", "#a6c8e0", "#6fa8d0", "#3a7fb8", "#1b5c93")
CHOICE_COLOURS = ("#1b5c93", "#e08a1e", "#4a9c5d", "#b94a48", "#7d5ba6", "#8c8c8c", "#c9a227", "#3fa7a1")
BAR_WIDTH = 480
BAR_HEIGHT = 22
LABEL_WIDTH = 140


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    label: str
    percent: str
    dark: bool = True  # white text on it


@dataclass(frozen=True)
class Bar:
    y: int
    label: str
    n: int
    segments: list[Segment]


@dataclass(frozen=True)
class ShareChart:
    bars: list[Bar]
    legend: list[tuple[str, str]]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 60
    bar_height: int = BAR_HEIGHT
    label_width: int = LABEL_WIDTH


def share_bars(question: Question, rows: list[Distribution]) -> ShareChart:
    colours = SCALE_COLOURS if question.kind == QuestionKind.SCALE else CHOICE_COLOURS
    labels = dict(question.labelled_options)
    bars = []
    for index, row in enumerate(rows):
        total = sum(share.count for share in row.shares) or 1  # a multiple choice: shares of the answers given
        x = float(LABEL_WIDTH)
        segments = []
        for n, share in enumerate(row.shares):
            width = BAR_WIDTH * share.count / total
            colour = colours[n % len(colours)]
            dark = colour not in SCALE_COLOURS[:2]
            segments.append(Segment(x, width, colour, labels[share.option], f"{share.percent}%", dark))
            x += width
        bars.append(Bar(10 + index * (BAR_HEIGHT + 8), row.label, row.n, segments))
    legend = [(colours[n % len(colours)], label) for n, (_value, label) in enumerate(question.labelled_options)]
    return ShareChart(bars, legend, height=20 + len(rows) * (BAR_HEIGHT + 8))
