"""A document as PDF: WeasyPrint lays out the document's HTML; it reads only the app's own static files.

Fonts come from the system (fontconfig: BIZ UD明朝/ゴシック from Debian's fonts-morisawa-bizud-*) and are
embedded, subset, in the PDF. The URL fetcher refuses every address but our static files and inline data:
the app runs inside LGWAN and a document must never reach the network.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML

from chizai.lib.collector import collector_paused
from chizai.reports import html as document_html
from chizai.reports import pdf_parts
from chizai.reports.document import Document
from chizai.reports.pdf_parts import OwnResourcesFetcher, Resource

BASE_URL = "https://chizai.invalid/"
"""The base address of the document's HTML: never resolved, only recognised by the fetcher."""


class StaticOnlyFetcher(OwnResourcesFetcher):
    """Serves `/static/…` from the app's static files and inline `data:` URLs; refuses everything else."""

    refusal = "documents read only the app's static files"

    def find(self, url: str) -> Resource | None:
        static_prefix = BASE_URL.rstrip("/") + settings.STATIC_URL
        path = static_file(url.removeprefix(static_prefix)) if url.startswith(static_prefix) else None
        if path is None:
            return None
        return Resource(path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream")


def static_file(relative: str) -> Path | None:
    """The file of a static path, found by the staticfiles finders (never outside them)."""
    if ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    return Path(found) if isinstance(found, str) else None


PARALLEL_MINIMUM_WEIGHT = 400_000
"""A document weighing this much (`html.block_weight`: ~2,500 table cells, ~12 A4 pages of tables) is laid out in
parts, one process each: below it, starting the processes and joining the parts costs more than it saves."""


def render_pdf(document: Document) -> bytes:
    """The document as PDF: laid out in one process, or, when long, in `CHIZAI_DOCUMENT_PROCESSES` at once."""
    parts = document_html.parts(document, settings.CHIZAI_DOCUMENT_PROCESSES, minimum_weight=PARALLEL_MINIMUM_WEIGHT)
    if len(parts) == 1:
        # No presentational hints: the HTML states its widths in CSS, and WeasyPrint then matches every element
        # against one stylesheet fewer (a national compilation has tens of thousands of elements).
        html = HTML(string=document_html.render_html(document), base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
        with collector_paused():  # its boxes live to the end of the layout: scanning them for cycles frees nothing
            return bytes(html.write_pdf())
    # The parts read the stylesheet the parent read for them, through the same fetcher as one process.
    stylesheet_url = BASE_URL.rstrip("/") + document_html.stylesheet_href()
    stylesheet = StaticOnlyFetcher().find(stylesheet_url)
    assert stylesheet is not None, f"{stylesheet_url} is missing from the static files"
    htmls = [document_html.render_html(document, blocks, first_part=index == 0) for index, blocks in enumerate(parts)]
    return pdf_parts.render_parts(htmls, BASE_URL, {stylesheet_url: stylesheet})
