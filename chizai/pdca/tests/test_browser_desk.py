"""The official's desk in real Chromium: a year's actuals for 東京都 through the entry grid, by keyboard and by
pasting a block copied from Excel, then the dashboard changes; a conflicting cell keeps the typed value; a bureau
reviewer compares the 関東 prefectures and sends a 督促 once (a second click the same day sends nothing).

Screenshots (1280 and 390 px wide) go to test-artifacts/desk_*.png.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from chizai.kpis import actions
from chizai.kpis.models import Actual, Kpi
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests import fixtures_views as fx
from chizai.organizations.models import Organization
from chizai.pdca.actions import ensure_periods
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS

NAMES = ["東京都 知財セミナー参加者数", "東京都 知財相談件数", "東京都 知財活用補助金の採択件数"]


def tokyo_kpis() -> list[Kpi]:
    plan = load_plan_file(fx.PLAN3_FILE).plan
    ensure_periods(plan)
    tokyo = Organization.objects.get(code="pref-13")
    return [
        fx.add_regional_kpi(
            plan, tokyo, code=f"regional-13-{i}", name=name, targets={2025: 100}, actuals={}, sort_order=1000 + i
        )
        for i, name in enumerate(NAMES)
    ]


def paste(page: Any, text: str) -> None:
    """Paste `text` into the focused cell as the browser does with a block copied from Excel."""
    page.evaluate(
        """(text) => {
          const data = new DataTransfer();
          data.setData("text/plain", text);
          const event = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
          document.activeElement.dispatchEvent(event);
        }""",
        text,
    )


def shot_both(page: Any, shots: Shots, name: str) -> None:
    shots.take(f"{name}_1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shots.take(f"{name}_390")
    page.set_viewport_size({"width": 1280, "height": 900})


def cell(page: Any, kpi: Kpi, half: str) -> Any:
    return page.locator(f"#c-{kpi.pk}-{half}")


def figure(kpi: Kpi, half: str) -> Decimal | None:
    actual = Actual.objects.filter(kpi=kpi, start_year=2025, end_year=2025, half=half).first()
    return actual.value if actual else None


def test_it_enters_tokyos_year_by_keyboard_and_paste_and_the_dashboard_follows(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    first, second, third = tokyo_kpis()
    expect = sync_api.expect

    with chromium_page() as page:
        shots = Shots(page, "desk")
        log_in(page, live_server.url, "tokyo_editor")
        page.goto(f"{live_server.url}/")
        own = page.locator("section", has=page.get_by_role("heading", name="東京都のKPI"))
        expect(own.get_by_role("row", name=NAMES[0])).to_contain_text("—")

        page.goto(f"{live_server.url}/organizations/pref-13/?plan=3")
        page.get_by_role("link", name="実績を表形式でまとめて入力").click()
        page.get_by_label("年度", exact=True).select_option("2025")
        page.get_by_role("button", name="表示").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("実績の一括入力（東京都・2025年度（令和7年度））")

        # Keyboard: type, Tab to the right, Enter down, arrows across.
        cell(page, first, "H1").click()
        page.keyboard.type("40")
        page.keyboard.press("Tab")
        page.keyboard.type("45")
        page.keyboard.press("Enter")
        expect(cell(page, second, "H2")).to_be_focused()
        page.keyboard.press("ArrowLeft")
        expect(cell(page, second, "H1")).to_be_focused()
        page.keyboard.type("1,200")
        page.keyboard.press("ArrowDown")
        expect(cell(page, third, "H1")).to_be_focused()

        # A block copied from Excel (2 rows × 2 columns), pasted from 2行目 下期.
        cell(page, second, "H2").click()
        paste(page, "1,300\t2,600\r\n55\t60\r\n")
        expect(cell(page, second, "H2")).to_have_value("1,300")
        expect(cell(page, second, "FY")).to_have_value("2,600")
        expect(cell(page, third, "H2")).to_have_value("55")
        expect(cell(page, third, "FY")).to_have_value("60")
        expect(page.locator("[data-grid-status]")).to_contain_text("2行の範囲を貼り付けました（4セル）")
        shot_both(page, shots, "grid_typed")

        page.get_by_role("button", name="保存").click()
        saved = "2025年度の実績を保存しました（新規 7件・更新 0件・削除 0件）"
        expect(page.locator(".messages")).to_contain_text(saved)
        shot_both(page, shots, "grid_saved")

        assert (figure(first, "H1"), figure(first, "H2")) == (Decimal(40), Decimal(45))
        assert (figure(second, "H1"), figure(second, "H2"), figure(second, "FY")) == (1200, 1300, 2600)
        assert (figure(third, "H2"), figure(third, "FY")) == (Decimal(55), Decimal(60))

        page.goto(f"{live_server.url}/")
        expect(own.get_by_role("row", name=NAMES[0])).to_contain_text("85社")  # 上期 40 + 下期 45
        expect(own.get_by_role("row", name=NAMES[0])).to_contain_text("85%")
        expect(own.get_by_role("row", name=NAMES[1])).to_contain_text("2,600社")


def test_a_conflicting_cell_keeps_the_typed_value(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    first, second, _ = tokyo_kpis()
    Actual.objects.create(kpi=first, start_year=2025, end_year=2025, half="FY", value=Decimal(70))
    expect = sync_api.expect

    with chromium_page() as page:
        shots = Shots(page, "desk_conflict")
        log_in(page, live_server.url, "tokyo_editor")
        page.goto(f"{live_server.url}/organizations/pref-13/grid/?plan=3&year=2025")
        expect(cell(page, first, "FY")).to_have_value("70")

        # Meanwhile someone else changes 通期 of the first KPI.
        stored = Actual.objects.get(kpi=first, start_year=2025, half="FY")
        actions.save_actual(
            kpi=first, start_year=2025, end_year=2025, value=Decimal(75), expected_version=stored.version, actor=None
        )

        cell(page, first, "FY").fill("80")
        cell(page, second, "H1").fill("9")
        page.get_by_role("button", name="保存").click()

        expect(page.get_by_role("alert")).to_contain_text("他の利用者が1件のセルの値を更新しました")
        expect(cell(page, first, "FY")).to_have_value("80")  # the typed value stays
        expect(cell(page, second, "H1")).to_have_value("9")  # and so does every other
        expect(page.locator(f"#c-{first.pk}-FY-note")).to_have_text("他の利用者が更新しました。現在の値：75社")
        shot_both(page, shots, "grid_conflict")
        assert figure(first, "FY") == Decimal(75) and figure(second, "H1") is None

        page.get_by_role("button", name="保存").click()  # saving again writes the typed value, knowingly
        expect(page.locator(".messages")).to_contain_text("2025年度の実績を保存しました")
        assert figure(first, "FY") == Decimal(80) and figure(second, "H1") == Decimal(9)


def test_a_reviewer_compares_the_kanto_prefectures_and_urges_one_once(live_server, monkeypatch, mailoutbox):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    tokyo_kpis()
    expect = sync_api.expect

    with chromium_page() as page:
        shots = Shots(page, "desk_compare")
        log_in(page, live_server.url, "kanto_reviewer")
        page.goto(f"{live_server.url}/")
        section = page.locator("section", has=page.get_by_role("heading", name="都道府県の比較（関東ブロック）"))
        expect(section.get_by_role("rowheader")).to_have_count(11)
        shot_both(page, shots, "home")

        section.get_by_role("link", name="全年度の比較・並べ替え").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("都道府県の比較（関東ブロック）")
        page.get_by_role("link", name=re.compile("^都道府県 ")).click()  # sort by code, descending
        expect(page.get_by_role("rowheader").first).to_have_text("静岡県")
        shot_both(page, shots, "comparison")

        page.get_by_role("button", name="東京都に督促する").click()
        expect(page.locator(".messages")).to_contain_text("東京都に督促のメールを送信しました（1件）。")
        assert len(mailoutbox) == 1 and mailoutbox[0].to == ["tokyo_editor@example.invalid"]
        assert "督促" in mailoutbox[0].subject

        page.get_by_role("button", name="東京都に督促する").click()
        expect(page.locator(".messages")).to_contain_text("本日すでに督促を送信済みのため、送信していません")
        assert len(mailoutbox) == 1
        shot_both(page, shots, "urged_twice")
