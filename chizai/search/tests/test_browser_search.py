"""The header's search box in real Chromium: JPO finds a company by its 法人番号; another prefecture does not."""

from __future__ import annotations

import pytest

from chizai.cases.tests import fixtures_cases as fx
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS

cases_today = fx.cases_today
cases_data = fx.cases_data

NUMBER = fx.corporate_number("130000000001")


def search_from_header(page, base_url: str, username: str, query: str) -> None:
    log_in(page, base_url, username)
    page.get_by_role("searchbox", name="KPI・関係主体・企業（名称・法人番号）・案件を検索").fill(query)
    page.get_by_role("search", name="サイト内検索").get_by_role("button", name="検索").click()


@pytest.fixture
def cast(db):
    ensure_cast()


def test_jpo_finds_a_company_by_corporate_number_and_another_prefecture_does_not(
    live_server, monkeypatch, cast, cases_data
):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    expect = sync_api.expect
    with chromium_page() as page:
        shots = Shots(page, "search")
        search_from_header(page, live_server.url, "jpo_admin", NUMBER)
        shots.take("jpo_by_number")
        expect(page.get_by_role("link", name=fx.TOKYO_COMPANY, exact=True)).to_be_visible()
        shots.take("jpo_by_number")
        page.get_by_role("button", name="ログアウト").click()
        search_from_header(page, live_server.url, "osaka_editor", NUMBER)
        expect(page.get_by_role("status")).to_contain_text("0件")
        expect(page.get_by_text(fx.TOKYO_COMPANY)).to_have_count(0)
        shots.take("osaka_by_number")
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        search_from_header(page, live_server.url, "jpo_admin", "精密加工")
        expect(page.get_by_role("link", name=fx.TOKYO_COMPANY, exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
