"""The case list at national scale: one page at a time, filtered and searched on the server, never showing
more than the user sees without filters, in a number of queries that does not grow with the cases."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.cases import actions
from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Organization

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db

LIST = reverse("cases:case_list")


def listed(client, query: str = "") -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [row.case.company.name for row in response.context["rows"]]


def add_cases(count: int, *, prefecture: str = "pref-27", start: int = 0) -> None:
    jpo_admin = fx.user("jpo_admin")
    for number in range(start, start + count):
        company = fx.make_company(
            f"大阪追加企業{number:03d}", base12=f"27000001{number:04d}", prefecture=prefecture, registered_by="jpo"
        )
        actions.open_case(company=company, actor=jpo_admin, opened_on=datetime.date(2025, 5, 1))


def test_it_searches_by_part_of_the_company_name(client, login, jpo_admin, cases_data):
    login(client, jpo_admin)
    assert listed(client, "?q=精密") == [fx.TOKYO_COMPANY]
    assert listed(client, "?q=バイオ") == [fx.KANAGAWA_COMPANY]
    assert listed(client, "?q=存在しない会社") == []


def test_it_searches_by_part_of_the_corporate_number_even_in_full_width_digits(client, login, jpo_admin, cases_data):
    login(client, jpo_admin)
    number = cases_data.kanagawa_case.company.corporate_number
    assert listed(client, f"?q={number}") == [fx.KANAGAWA_COMPANY]
    assert listed(client, "?q=１４００００") == [fx.KANAGAWA_COMPANY]  # part of 140000000002, full width


def test_it_filters_by_the_company_prefecture_and_the_regional_block(client, login, jpo_admin, cases_data):
    login(client, jpo_admin)
    assert listed(client, "?prefecture=pref-14") == [fx.KANAGAWA_COMPANY]
    kanto = Organization.objects.get(kind="bureau", block_name="関東")
    assert set(listed(client, f"?block={kanto.code}")) == {fx.TOKYO_COMPANY, fx.KANAGAWA_COMPANY}
    hokkaido = Organization.objects.get(kind="bureau", block_name="北海道")
    assert listed(client, f"?block={hokkaido.code}&year=2024") == [fx.PUSH_COMPANY]


def test_an_invalid_filter_is_ignored_and_the_others_still_apply(client, login, jpo_admin, cases_data):
    login(client, jpo_admin)
    assert listed(client, "?prefecture=nowhere&q=バイオ") == [fx.KANAGAWA_COMPANY]


def test_a_prefecture_filtering_by_another_prefecture_sees_nothing_of_it(client, login, tokyo_viewer, cases_data):
    login(client, tokyo_viewer)
    assert listed(client) == [fx.TOKYO_COMPANY]
    for query in ("?prefecture=pref-14", "?q=湘南バイオ", f"?q={cases_data.kanagawa_case.company.corporate_number}"):
        response = client.get(LIST + query)
        assert response.context["rows"] == []
        assert reverse("cases:case_detail", args=[cases_data.kanagawa_case.pk]) not in response.content.decode()
        assert "0件" in response.content.decode()
    # The national counts (shown to everyone) never narrow by place or company, so they tell nothing new.
    counts = client.get(LIST + "?q=湘南バイオ").context["counts"]
    assert sum(line["total"] for line in counts["years"]) == 3


def test_it_shows_one_page_of_fifty_and_keeps_the_filters_in_the_page_links(client, login, jpo_admin, cases_data):
    add_cases(55)
    login(client, jpo_admin)
    response = client.get(LIST + "?prefecture=pref-27")
    html = response.content.decode()
    assert len(response.context["rows"]) == 50
    assert "55件中 1–50件" in html
    assert 'href="?prefecture=pref-27&amp;page=2"' in html and "次へ" in html
    second = client.get(LIST + "?prefecture=pref-27&page=2")
    assert len(second.context["rows"]) == 5 and "55件中 51–55件" in second.content.decode()
    first_page = {row.case.pk for row in response.context["rows"]}
    assert not first_page & {row.case.pk for row in second.context["rows"]}  # a stable order: no case twice


@pytest.mark.parametrize("page", ["0", "-3", "abc", "999999999999999999999", ""])
def test_a_page_out_of_range_or_not_a_number_gives_a_valid_page(client, login, jpo_admin, cases_data, page):
    login(client, jpo_admin)
    response = client.get(LIST + f"?page={page}&per_page=100000")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3
    assert response.context["paged"].per_page == 50


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("username", ["jpo_admin", "tokyo_viewer"])
def test_the_number_of_queries_does_not_grow_with_the_cases(client, login, cases_data, username):
    login(client, fx.user(username))
    add_cases(2)
    few = count_queries(client)
    add_cases(58, start=2)
    assert count_queries(client) == few


def test_kept_national_counts_follow_a_new_case_at_once(client, login, jpo_admin, cases_data, fragment_cache):
    login(client, jpo_admin)
    before = sum(line["total"] for line in client.get(LIST).context["counts"]["years"])

    add_cases(2)

    after = sum(line["total"] for line in client.get(LIST).context["counts"]["years"])
    assert after == before + 2
    # Another filter is counted on its own, never from the unfiltered counts.
    counts = client.get(LIST + "?year=2024").context["counts"]
    assert [line["year"] for line in counts["years"]] == [2024]
