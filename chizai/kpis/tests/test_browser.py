"""A 東京都 editor enters a first-half actual in real Chromium, and the achievement on the pages follows.

Runs against pytest-django's live server, so the test is transactional; `serialized_rollback` restores the
session's reference organisations and cast before it (they are created here if missing all the same).
Screenshots of every step go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from chizai.kpis.models import Actual, HalfChoice
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests import fixtures_views as fx
from chizai.organizations.models import Organization
from chizai.testing import CAST_PASSWORD
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast

views_today = fx.views_today


pytestmark = BROWSER_MARKS


def tokyo_row_text(page: Any, kpi_name: str) -> str:
    return " ".join(page.locator("table.kpi-table tr", has_text=kpi_name).inner_text().split())


def test_it_lets_tokyos_editor_enter_a_first_half_actual_in_the_browser(live_server, views_today, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls below stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    plan3 = load_plan_file(fx.PLAN3_FILE).plan
    tokyo = fx.add_regional_kpi(
        plan3,
        Organization.objects.get(code="pref-13"),
        code="regional-13-support",
        name=fx.TOKYO_KPI_NAME,
        targets=fx.TOKYO_TARGETS,
        actuals=fx.TOKYO_ACTUALS,
    )
    expect = sync_api.expect

    with chromium_page() as page:
        shots = Shots(page, "kpi_entry")

        # Log in through the login form.
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("ユーザー名").fill("tokyo_editor")
        page.get_by_label("パスワード").fill(CAST_PASSWORD)
        shots.take("login")
        page.get_by_role("button", name="ログイン").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("第3次地域知財活性化行動計画")
        expect(page.locator(".user-name")).to_have_text("tokyo_editor")
        own_row = page.locator("section[aria-labelledby=own-heading] tr", has_text=fx.TOKYO_KPI_NAME)
        expect(own_row).to_contain_text("75%")  # the dashboard lists 東京都's own KPIs
        shots.take("dashboard_before")

        # Dashboard → 関係主体 → 東京都 → its regional KPI, by clicking.
        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="関係主体").click()
        page.get_by_role("link", name="東京都", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("東京都")
        before = tokyo_row_text(page, fx.TOKYO_KPI_NAME)
        assert "2024年度" in before and "75%" in before  # 9社 of 12社, the latest year with a figure
        shots.take("tokyo_before")
        page.get_by_role("link", name=fx.TOKYO_KPI_NAME).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(fx.TOKYO_KPI_NAME)
        shots.take("kpi_before")

        # 実績を入力する → 2025年度, 上期: each select reloads the form through htmx.
        page.get_by_role("link", name="実績を入力する").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("実績の入力")
        if page.locator("#id_year").input_value() != "2025":
            with page.expect_response(re.compile(r"/actual/\?.*year=2025")):
                page.locator("#id_year").select_option("2025")
            page.wait_for_selector('#id_year option[value="2025"][selected]', state="attached")
        with page.expect_response(re.compile(r"/actual/\?.*half=H1")) as reloaded:
            page.locator("#id_half").select_option(HalfChoice.FIRST.value)
        assert reloaded.value.ok
        # The swapped-in form is rendered for 上期 (the option is selected in the returned HTML).
        page.wait_for_selector('#id_half option[value="H1"][selected]', state="attached")
        expect(page.locator("#actual-form")).to_contain_text("この期間の実績はまだありません")
        page.get_by_label("実績値（社）").fill("６")
        shots.take("form_filled")
        page.get_by_role("button", name="保存").click()

        # Back on the KPI page: the message, the 上期 figure and its rate against the year's 15社.
        expect(page.locator(".messages")).to_contain_text("2025年度上期の実績を保存しました。")
        row_2025 = page.locator("#results tr", has_text="2025年度")
        expect(row_2025).to_contain_text("6社（40%）")
        expect(row_2025).to_contain_text("（上期まで）")
        shots.take("kpi_after")

        # 全国ダッシュボード, then 東京都's row: the achievement follows the new figure.
        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="全国ダッシュボード").click()
        expect(page.get_by_role("heading", name="地域KPIの達成状況")).to_be_visible()
        expect(page.get_by_text("地域KPI（1項目・閲覧できる範囲）")).to_be_visible()
        expect(own_row).to_contain_text("6社")
        expect(own_row).to_contain_text("40%")
        expect(own_row).not_to_contain_text("75%")
        shots.take("dashboard_after")
        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="関係主体").click()
        page.get_by_role("link", name="東京都", exact=True).click()
        after = tokyo_row_text(page, fx.TOKYO_KPI_NAME)
        assert "2025年度" in after and "6社" in after and "40%" in after, after
        assert "75%" not in after
        shots.take("tokyo_after")

    actual = Actual.objects.get(kpi=tokyo, start_year=2025, half=HalfChoice.FIRST)
    assert actual.value == 6
    assert all(path.stat().st_size > 0 for path in shots.paths)
