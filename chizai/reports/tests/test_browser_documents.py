"""In real Chromium: a prefecture downloads its 自己評価票 and a bureau its block's 取りまとめ from their pages as
.docx and .pdf; printing those pages gives A4 pages whose first page holds the heading (not only the demo
label) and whose 「目安と異なる評価の理由」 column has room and ends inside the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chizai.reports.tests.readback import docx_text, pdf_page_sizes, pdf_text, squeeze
from chizai.testing_browser import ARTIFACTS, BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS


def _download(page: Any, name: str) -> bytes:
    with page.expect_download() as info:
        page.locator(".document-downloads").get_by_role("link", name=name).click()
    return Path(info.value.path()).read_bytes()


def test_the_self_evaluation_and_the_compilation_download_from_their_pages(live_server, monkeypatch, world):
    pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    tokyo = world["tokyo"]
    with chromium_page(accept_downloads=True) as page:
        log_in(page, live_server.url, "tokyo_viewer")
        page.goto(f"{live_server.url}/pdca/evaluations/{tokyo.pk}/")
        word = _download(page, "Word（.docx）")
        pdf = _download(page, "PDF")
        assert "1,234件" in docx_text(word) and "1,234件" in squeeze(pdf_text(pdf))

        page.emulate_media(media="print")
        reason = page.locator("table.evaluation-table thead th", has_text="目安と異なる評価の理由").bounding_box()
        table = page.locator("table.evaluation-table").bounding_box()
        assert reason["width"] > 80, reason
        assert table["x"] + table["width"] <= page.viewport_size["width"] + 1
        ARTIFACTS.mkdir(exist_ok=True)
        printed = page.pdf(prefer_css_page_size=True, print_background=True)
        (ARTIFACTS / "reports_print_evaluation.pdf").write_bytes(printed)
        assert "自己評価" in pdf_text(printed).split("\f")[0]
        page.emulate_media(media="screen")

        page.get_by_role("button", name="ログアウト").click()
        log_in(page, live_server.url, "kanto_reviewer")
        page.goto(f"{live_server.url}/pdca/compilation/{tokyo.period_id}/")
        word = _download(page, "Word（.docx）")
        pdf = _download(page, "PDF")
        for text in (squeeze(docx_text(word)), squeeze(pdf_text(pdf))):
            assert "2件の項目のうち1件達成（50.0%）" in text

        page.emulate_media(media="print")
        printed = page.pdf(prefer_css_page_size=True, print_background=True)
        (ARTIFACTS / "reports_print_compilation.pdf").write_bytes(printed)
        first = pdf_text(printed).split("\f")[0]
        assert "自己評価の取りまとめ" in first and "提出状況" in first
        assert all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in pdf_page_sizes(printed))
