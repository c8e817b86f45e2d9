"""A long document laid out as PDF by several processes at once, one part each, joined into one PDF.

WeasyPrint lays a document out in one thread of Python: the national compilation (取りまとめ) at national scale,
~1,500 KPI lines in ~90 A4 pages, takes ~16 s of one core. Its parts (split between two ブロック sections,
`chizai.reports.html.parts`) are laid out side by side, one process each, and joined with pypdf:

- Page numbers 「n / N」 run over the whole document. Each part paginates on its own; before WeasyPrint makes
  a page's margin boxes (after pagination, `weasyprint.layout.make_margin_boxes`), each part reports its page
  count and receives its offset and the total. That is the one hook into WeasyPrint's internals (pinned,
  weasyprint==70.0), and a test reads every page's number back.
- The outline (bookmarks) is built here from every part's headings with their levels, so the sections nest as
  they would in one document; the title and other metadata are the first part's.
- The running headers are literal `@page` content in each part's HTML, so a part without the title still has them.

This module does not import Django: the parts run in processes forked from a fork server (`forkserver`: safe in
a threaded web process, unlike `fork`) that has loaded only this module and WeasyPrint. A part reads only the
resources its parent hands it (the stylesheet) and inline `data:` URLs: it never reaches the network either.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import multiprocessing.forkserver
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

PART_TIMEOUT = 600.0
"""Seconds a part may take to paginate, and then to write its PDF, before the document is given up."""

PT_PER_PX = 0.75
"""WeasyPrint's positions are CSS px (1/96 in); PDF's are points (1/72 in)."""


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Bookmark:
    """A heading of a part: its level (h2 = 2), its text, its page within the part and its position there."""

    level: int
    label: str
    page: int
    x: float
    y: float


class PartError(RuntimeError):
    """A part could not be laid out; the message holds the part's own traceback."""


class OwnResourcesFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Serves inline `data:` URLs and what `find(url)` returns; refuses every other address (a document never
    reaches the network or a file of its own choosing)."""

    refusal = "documents read only the app's own files"

    def find(self, url: str) -> Resource | None:
        raise NotImplementedError

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        resource = self.find(url.split("?")[0])
        if resource is None:
            raise ValueError(f"{self.refusal}, not {url}")
        return URLFetcherResponse(url, body=resource.body, headers={"Content-Type": resource.content_type})


class ResourcesOnlyFetcher(OwnResourcesFetcher):
    """A part's fetcher: the resources its parent read for it (its stylesheet), and nothing else."""

    refusal = "a document part reads only the resources it was given"

    def __init__(self, resources: dict[str, Resource]) -> None:
        super().__init__()
        self.resources = resources

    def find(self, url: str) -> Resource | None:
        return self.resources.get(url)


def numbered_margin_boxes(
    original: Callable[..., Any], numbering: Callable[[int], tuple[int, int]]
) -> Callable[..., Any]:
    """`make_margin_boxes` with the page counters of the whole document instead of the part's.

    `numbering(pages_in_part)` is asked once, on the part's first page, and returns (offset, total)."""
    known: dict[str, int] = {}

    def make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
        counters = state[1]
        if not known:
            known["offset"], known["total"] = numbering(counters["pages"][0])
        counters = {**counters, "page": [counters["page"][0] + known["offset"]], "pages": [known["total"]]}
        return original(context, page, (state[0], counters, *state[2:]))

    return make_margin_boxes


def render_part(html: str, base_url: str, resources: dict[str, Resource], connection: Connection) -> None:
    """A part's process: lay out `html`, ask the parent for its numbering, send back the PDF and its headings."""
    import weasyprint.layout

    def numbering(pages: int) -> tuple[int, int]:
        connection.send(("pages", pages))
        offset, total = connection.recv()
        return int(offset), int(total)

    gc.disable()  # the part's boxes live as long as its process: scanning them for cycles frees nothing
    try:
        weasyprint.layout.make_margin_boxes = numbered_margin_boxes(weasyprint.layout.make_margin_boxes, numbering)
        document = HTML(string=html, base_url=base_url, url_fetcher=ResourcesOnlyFetcher(resources)).render()
        bookmarks = [
            Bookmark(level, label, number, x, y)
            for number, page in enumerate(document.pages)
            for level, label, (x, y), _state in page.bookmarks
        ]
        connection.send(("pdf", document.write_pdf(), bookmarks))
    except BaseException:
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


_context: multiprocessing.context.ForkServerContext | None = None


def process_context() -> multiprocessing.context.ForkServerContext:
    """The fork server the parts start from: started once per process, with WeasyPrint already loaded."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["chizai.reports.pdf_parts_preload"])
        _context = context
    return _context


def start_fork_server() -> None:
    """Start the fork server now (it loads WeasyPrint in ~1.5 s, in its own process) instead of on the first part."""
    process_context()
    multiprocessing.forkserver.ensure_running()


def render_parts(parts: Sequence[str], base_url: str, resources: dict[str, Resource]) -> bytes:
    """Lay out `parts` (each a whole HTML document) side by side and join them into one PDF."""
    context = process_context()
    connections: list[Connection] = []
    processes = []
    try:
        for html in parts:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=render_part, args=(html, base_url, resources, child_end), daemon=True)
            process.start()
            child_end.close()
            connections.append(parent_end)
            processes.append(process)
        page_counts = [_receive(connection, "pages", index)[0] for index, connection in enumerate(connections)]
        total = sum(page_counts)
        offset = 0
        for connection, count in zip(connections, page_counts, strict=True):
            connection.send((offset, total))
            offset += count
        written = [_receive(connection, "pdf", index) for index, connection in enumerate(connections)]
        for process in processes:
            process.join(PART_TIMEOUT)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
        for connection in connections:
            connection.close()
    return join([pdf for pdf, _bookmarks in written], [bookmarks for _pdf, bookmarks in written])


def _receive(connection: Connection, expected: str, index: int) -> tuple[Any, ...]:
    if not connection.poll(PART_TIMEOUT):
        raise PartError(f"document part {index + 1} did not answer within {PART_TIMEOUT:.0f} s")
    try:
        kind, *payload = connection.recv()
    except EOFError:
        raise PartError(f"document part {index + 1} ended without a result") from None
    if kind == "error":
        raise PartError(f"document part {index + 1} failed:\n{payload[0]}")
    if kind != expected:
        raise PartError(f"document part {index + 1} sent {kind!r} instead of {expected!r}")
    return tuple(payload)


def join(pdfs: Sequence[bytes], bookmarks: Sequence[Sequence[Bookmark]]) -> bytes:
    """One PDF of the parts' pages in order, with the first part's metadata and one outline of all headings."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit, NameObject

    writer = PdfWriter()
    first = PdfReader(io.BytesIO(pdfs[0]))
    offsets = []
    for pdf in pdfs:
        offsets.append(len(writer.pages))
        writer.append(PdfReader(io.BytesIO(pdf)), import_outline=False)
    if first.metadata:
        writer.add_metadata(dict(first.metadata))
    language = first.root_object.get("/Lang")
    if language is not None:
        writer._root_object[NameObject("/Lang")] = language
    parents: list[tuple[int, Any]] = []  # the open headings above the next one: (level, outline item)
    for offset, part in zip(offsets, bookmarks, strict=True):
        for mark in part:
            while parents and parents[-1][0] >= mark.level:
                parents.pop()
            page = offset + mark.page
            height = float(writer.pages[page].mediabox.height)
            item = writer.add_outline_item(
                title=mark.label,
                page_number=page,
                parent=parents[-1][1] if parents else None,
                fit=Fit.xyz(left=mark.x * PT_PER_PX, top=height - mark.y * PT_PER_PX),
            )
            parents.append((mark.level, item))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
