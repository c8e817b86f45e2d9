"""Pages of a long list (ページ送り): one helper every list page uses, so every list is bounded the same way.

`paginate(request, items)` reads ?page= and ?per_page= from the request and never fails on them: a page
that is not a number, below 1 or past the end gives the nearest valid page; a page size outside the
allowed ones gives the default. The links it builds keep every other query parameter (the list's filters).
The include `includes/pagination.html` shows the result: 「1,234件中 1–50件」, 「前へ」「次へ」 and page numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, QueryDict

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
PAGE_SIZES = (DEFAULT_PAGE_SIZE, 100, MAX_PAGE_SIZE)


@dataclass(frozen=True)
class PageLink:
    """A link to one page, or a gap (…) between page numbers when `number` is None."""

    number: int | None
    url: str
    current: bool


@dataclass(frozen=True)
class Paged:
    """One page of a list, with what the pagination include needs to show it."""

    page: Page[Any]
    links: list[PageLink]
    previous_url: str
    next_url: str
    per_page: int

    @property
    def items(self) -> Sequence[Any]:
        """The rows of this page (a list: read once, whatever the template does with them)."""
        return list(self.page.object_list)

    @property
    def count(self) -> int:
        return int(self.page.paginator.count)

    @property
    def summary(self) -> str:
        """「1,234件中 1–50件」, or 「0件」 for an empty list."""
        if not self.count:
            return "0件"
        return f"{self.count:,}件中 {self.page.start_index():,}–{self.page.end_index():,}件"

    @property
    def several_pages(self) -> bool:
        return self.page.paginator.num_pages > 1


def page_size(raw: str | None) -> int:
    """The asked page size if it is one of PAGE_SIZES, else the default."""
    return int(raw) if raw and raw.isdigit() and int(raw) in PAGE_SIZES else DEFAULT_PAGE_SIZE


def page_url(query: QueryDict, number: int) -> str:
    """The query string of page `number`, keeping every other parameter (page 1 has no page parameter)."""
    params = query.copy()
    params.pop("page", None)
    if number > 1:
        params["page"] = str(number)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def paginate(request: HttpRequest, items: Any, *, per_page: int | None = None) -> Paged:
    """The requested page of `items` (a queryset in a stable order, or a list); always a valid page."""
    size = per_page or page_size(request.GET.get("per_page"))
    paginator = Paginator(items, size)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET
    links = [
        PageLink(number=number, url=page_url(query, number), current=number == page.number)
        if isinstance(number, int)
        else PageLink(number=None, url="", current=False)  # Paginator.ELLIPSIS
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return Paged(
        page=page,
        links=links,
        previous_url=page_url(query, page.previous_page_number()) if page.has_previous() else "",
        next_url=page_url(query, page.next_page_number()) if page.has_next() else "",
        per_page=size,
    )
