"""The round trip in real Chromium: 東京都's editor downloads the organisation page as Excel and imports that
very file back; the dry run finds nothing to change. Screenshots go to test-artifacts/round_trip_*.png.
"""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from chizai.exchange.tests.test_browser_import import _upload
from chizai.exchange.tests.test_jobs import third_plan
from chizai.kpis.models import Actual, Kpi, KpiKind, Shape, Target
from chizai.organizations.models import Organization
from chizai.testing_browser import ARTIFACTS, BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS


def _tokyo_kpi() -> Kpi:
    plan = third_plan()
    tokyo = Organization.objects.get(code="pref-13")
    kpi = Kpi.objects.create(
        plan=plan, code="r13-1", kind=KpiKind.REGIONAL, name="=知財セミナーの開催回数", owner=tokyo, unit="回"
    )
    Target.objects.create(kpi=kpi, start_year=2024, end_year=2024, value=Decimal(40))
    Actual.objects.create(kpi=kpi, start_year=2024, end_year=2024, half="H1", value=Decimal(22))
    Actual.objects.create(kpi=kpi, start_year=2024, end_year=2024, half="H2", value=Decimal(26))
    Kpi.objects.create(
        plan=plan,
        code="r13-2",
        kind=KpiKind.REGIONAL,
        name="知財戦略の策定率",
        owner=tokyo,
        unit="%",
        shape=Shape.RATIO,
    )
    return kpi


def test_an_exported_organisation_page_imports_back_with_nothing_to_change(
    live_server, monkeypatch, settings, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "uploads"
    ensure_cast()
    _tokyo_kpi()
    expect = sync_api.expect
    ARTIFACTS.mkdir(exist_ok=True)

    with chromium_page(accept_downloads=True) as page:
        log_in(page, live_server.url, "tokyo_editor")
        page.goto(f"{live_server.url}/organizations/pref-13/?plan=3")
        expect(page.get_by_role("heading", level=1)).to_contain_text("東京都")
        page.screenshot(path=str(ARTIFACTS / "round_trip_1_organization.png"), full_page=True)

        with page.expect_download() as download_info:
            page.get_by_role("group", name="KPI一覧の出力").get_by_role("link", name="Excel（.xlsx）で出力").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx") and "東京都" in download.suggested_filename
        exported = tmp_path / download.suggested_filename
        download.save_as(exported)
        workbook = openpyxl.load_workbook(exported)
        assert workbook.sheetnames[:2] == ["KPI一覧", "実績"]
        assert workbook["KPI一覧"]["C2"].value == "'=知財セミナーの開催回数"  # neutralised, not a formula

        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="取込").click()
        _upload(page, exported)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"取込：{exported.name}")
        expect(page.locator("table.import-problems")).to_have_count(0)
        expect(page.locator("table.import-changes")).to_have_count(0)
        expect(page.get_by_text("変更なし").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "round_trip_2_dry_run.png"), full_page=True)

    kpi = Kpi.objects.get(code="r13-1")
    assert (kpi.name, kpi.version) == ("=知財セミナーの開催回数", 1)
