"""The shared paging helper: every list page gets a valid, bounded page whatever the query string says."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from chizai.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, paginate


def paged(query: str, count: int = 1234):
    return paginate(RequestFactory().get("/list/" + query), list(range(count)))


def test_it_shows_fifty_rows_by_default_and_says_which():
    result = paged("")
    assert len(result.items) == DEFAULT_PAGE_SIZE
    assert result.summary == "1,234件中 1–50件"


@pytest.mark.parametrize(("query", "number"), [("?page=2", 2), ("?page=x", 1), ("?page=999", 25), ("?page=-1", 25)])
def test_it_falls_back_to_a_valid_page(query, number):
    assert paged(query).page.number == number


@pytest.mark.parametrize(("size", "expected"), [("100", 100), ("200", 200), ("100000", 50), ("7", 50), ("a", 50)])
def test_page_sizes_are_bounded(size, expected):
    assert paged(f"?per_page={size}").per_page == expected <= MAX_PAGE_SIZE


def test_page_links_keep_the_filters_and_drop_the_old_page():
    result = paged("?stage=hearing&q=%E7%B2%BE%E5%AF%86&page=3")
    assert result.previous_url == "?stage=hearing&q=%E7%B2%BE%E5%AF%86&page=2"
    assert result.next_url == "?stage=hearing&q=%E7%B2%BE%E5%AF%86&page=4"
    assert [link.url for link in result.links][:1] == ["?stage=hearing&q=%E7%B2%BE%E5%AF%86"]


def test_the_include_is_a_labelled_navigation_with_previous_and_next():
    html = render_to_string("includes/pagination.html", {"paged": paged("?page=2"), "label": "支援案件の一覧"})
    assert '<nav class="pagination no-print" aria-label="支援案件の一覧のページ送り">' in html
    assert "前へ" in html and "次へ" in html and 'aria-current="page"' in html
    assert "1,234件中 51–100件" in html


def test_an_empty_list_says_zero_and_shows_no_links():
    html = render_to_string("includes/pagination.html", {"paged": paged("", count=0)})
    assert "0件" in html and "次へ" not in html
