"""The API journey in real Chromium: 東京都's editor issues a token, opens the interactive docs (served by the
app itself, nothing from outside), and the token then reads 東京都's KPIs. Screenshots: test-artifacts/api_*.png.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.test import Client

from chizai.exchange.tests.test_browser_round_trip import _tokyo_kpi
from chizai.testing_browser import ARTIFACTS, BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS


def test_an_editor_issues_a_token_reads_the_docs_and_uses_the_token(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    kpi = _tokyo_kpi()
    expect = sync_api.expect
    ARTIFACTS.mkdir(exist_ok=True)
    foreign_requests: list[str] = []

    with chromium_page() as page:
        local_host = urlparse(live_server.url).hostname
        page.on(
            "request",
            lambda request: (
                foreign_requests.append(request.url)
                if urlparse(request.url).hostname not in (local_host, None)
                else None
            ),
        )
        log_in(page, live_server.url, "tokyo_editor")

        page.goto(f"{live_server.url}/api/token/")
        page.get_by_role("button", name="トークンを発行する").click()
        key = page.get_by_role("textbox", name="トークン").input_value()
        assert len(key) == 40
        page.screenshot(path=str(ARTIFACTS / "api_1_token.png"), full_page=True)

        page.get_by_role("link", name="API の説明（対話型ドキュメント）").click()
        expect(page.locator(".swagger-ui .title")).to_contain_text("chizai API")
        expect(page.locator(".opblock-summary-path", has_text="/api/kpis/").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "api_2_docs.png"), full_page=False)

    assert foreign_requests == []  # LGWAN: every asset came from the app itself
    response = Client().get(f"/api/kpis/?plan=3&organization={kpi.owner.code}", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["=知財セミナーの開催回数", "知財戦略の策定率"]
