"""A document as HTML: the print view, and the input WeasyPrint lays out as PDF."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

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


def render_html(document: Document) -> str:
    context = {
        "document": document,
        "blocks": map(_block, document.blocks),
        # the unhashed name: WeasyPrint's fetcher finds it among the app's static files, in every configuration
        "stylesheet": settings.STATIC_URL + "reports/document.css",
    }
    return render_to_string("reports/document.html", context)
