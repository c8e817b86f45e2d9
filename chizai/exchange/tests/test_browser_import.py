"""The import journey in real Chromium: 東京都's editor uploads a register with a mistake, reads the problem
with its row, uploads the corrected file, reads the dry run, applies it and finds the new KPI with its
achievement on 東京都's page.

Tasks run within the request here (the suite's ImmediateBackend); the progress block of a run queued for a worker
is tested in test_views_import.py, and real workers in test_worker_death.py. Screenshots go to
test-artifacts/import_*.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.tests.test_jobs import BAD_SHAPE, SEMINARS, register_xlsx, third_plan
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS

# Target 10 in FY2024 and 12 achieved: 120%, 達成 (FY2024 is the latest year with a figure).
SEMINAR_ACTUAL = ["東京都", "知財セミナーの開催回数", "令和6年度", "12回", "中小企業向けに追加開催"]


def test_it_imports_a_register_fixing_a_bad_row_first(live_server, monkeypatch, settings, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "uploads"
    ensure_cast()
    third_plan()
    bad, fixed = tmp_path / "東京都KPI一覧.xlsx", tmp_path / "東京都KPI一覧（修正）.xlsx"
    bad.write_bytes(register_xlsx(SEMINARS, BAD_SHAPE))
    fixed.write_bytes(register_xlsx(SEMINARS, actuals=[SEMINAR_ACTUAL]))
    expect = sync_api.expect

    with chromium_page() as page:
        shots = Shots(page, "import")
        log_in(page, live_server.url, "tokyo_editor")

        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="取込").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("取込")
        expect(page.get_by_label("取込先")).to_have_value(str(_tokyo_pk()))
        shots.take("upload_form")

        _upload(page, bad)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"取込：{bad.name}")
        problem = page.locator("table.import-problems tbody tr")
        expect(problem).to_have_count(1)
        expect(problem).to_contain_text("3行目")
        expect(problem).to_contain_text("形式")
        expect(problem).to_contain_text("週ごと")
        expect(page.get_by_role("button", name="この内容で反映する")).to_have_count(0)
        shots.take("problem_located")

        page.get_by_role("link", name="直したファイルを取り込む").click()
        _upload(page, fixed)
        expect(page.get_by_role("heading", name="確認結果（まだ反映していません）")).to_be_visible()
        changes = page.locator("table.import-changes")
        expect(changes).to_contain_text("知財セミナーの開催回数")
        expect(changes).to_contain_text("12回")
        expect(page.locator("table.import-problems")).to_have_count(0)
        shots.take("dry_run")

        page.get_by_role("button", name="この内容で反映する").click()
        expect(page.get_by_role("heading", name="反映しました")).to_be_visible()
        assert ImportJob.objects.filter(status=JobStatus.APPLIED).count() == 1
        shots.take("applied")

        page.get_by_role("link", name="東京都のKPIを見る").click()
        row = page.locator("table.kpi-table tr", has_text="知財セミナーの開催回数")
        expect(row).to_contain_text("120%")
        expect(row).to_contain_text("達成")
        shots.take("organization_page")


def _upload(page: Any, path: Path) -> None:
    page.get_by_label("ファイル必須", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="内容を確認する").click()


def _tokyo_pk() -> int:
    from chizai.organizations.models import Organization

    return Organization.objects.get(code="pref-13").pk
