"""A document as HTML: the print view, and the input WeasyPrint lays out as PDF.

A long document can be cut into parts (`parts`), each a whole HTML document of its own, which separate processes
lay out side by side (chizai.reports.pdf_parts). Every part carries the running headers as literal text; only the
first carries the document's title block.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from chizai.lib.date_labels import date_label
from chizai.reports.document import Block, Chart, Document, Heading, Paragraph, Table


def _svg_source(chart: Chart) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")


def _block(block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"kind": "heading", "item": block, "level": min(max(block.level, 2), 4)}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "item": block}
    if isinstance(block, Table):
        cells = [[(cell, index in block.numeric) for index, cell in enumerate(row)] for row in block.rows]
        return {"kind": "table", "item": block, "widths": block.width_percents(), "cells": cells}
    return {"kind": "chart", "item": block, "src": _svg_source(block)}


STYLESHEET = "reports/document.css"


def stylesheet_href() -> str:
    """The documents' stylesheet by its unhashed name: WeasyPrint's fetcher finds it among the app's static files,
    in every configuration."""
    return settings.STATIC_URL + STYLESHEET


def css_string(text: str) -> SafeString:
    """`text` as the inside of a CSS string in a <style> element: quotes, backslashes, line ends and `<` escaped
    (so no text can close the string or the element)."""
    escaped = "".join(c if c not in '\\"<>&\n\r' else f"\\{ord(c):x} " for c in text)
    return mark_safe(escaped)  # noqa: S308  # every character that could end the string or the element is escaped


def meta_line(document: Document) -> str:
    demo = "・デモデータを含む" if document.demo else ""
    return f"作成日 {date_label(document.created)}・データ {date_label(document.as_of)}時点{demo}"


def render_html(document: Document, blocks: Sequence[Block] | None = None, *, first_part: bool = True) -> str:
    """The document's HTML; with `blocks`, the part of it holding those blocks (`first_part`: the title block too)."""
    meta = meta_line(document)
    context = {
        "document": document,
        "meta": meta,
        "running_title": css_string(document.title),
        "running_meta": css_string(meta),
        "first_part": first_part,
        "blocks": map(_block, document.blocks if blocks is None else blocks),
        "stylesheet": stylesheet_href(),
    }
    return render_to_string("reports/document.html", context)


def block_weight(block: Block) -> int:
    """Roughly what laying out `block` costs, in characters of its HTML (tables dominate: ~70 per cell; a chart
    costs about as much as 350 cells)."""
    if isinstance(block, Table):
        return sum(70 + len(cell) for row in block.rows for cell in row) + 200
    if isinstance(block, Paragraph):
        return 100 + len(block.text)
    if isinstance(block, Chart):
        return 25_000
    return 100


def parts(document: Document, count: int, *, minimum_weight: int) -> list[list[Block]]:
    """The document's blocks cut into at most `count` parts of about equal weight, each starting at a heading (not
    between a heading and the one under it); one part when the document weighs less than `minimum_weight`."""
    blocks = document.blocks
    weights = [block_weight(block) for block in blocks]
    total = sum(weights)
    if count < 2 or total < minimum_weight:
        return [list(blocks)]
    before = [0]  # before[i]: the weight of the blocks ahead of block i
    for weight in weights:
        before.append(before[-1] + weight)
    candidates = [
        index
        for index in range(1, len(blocks))
        if isinstance(blocks[index], Heading) and not isinstance(blocks[index - 1], Heading)
    ]
    cuts: list[int] = []
    for share in range(1, count):
        target = total * share / count
        later = [index for index in candidates if not cuts or index > cuts[-1]]
        if later:
            cuts.append(min(later, key=lambda index: abs(before[index] - target)))
    bounds = [0, *cuts, len(blocks)]
    return [list(blocks[start:end]) for start, end in zip(bounds, bounds[1:], strict=False) if end > start]
