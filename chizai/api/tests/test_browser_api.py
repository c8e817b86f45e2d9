"""The API journey in real Chromium: 東京都's editor issues a token, opens the interactive docs (served by the
app itself, nothing from outside), and the token then reads 東京都's KPIs. Screenshots: test-artifacts/api_*.png.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.test import Client

from chizai.kpis.models import Kpi, KpiKind, Plan, Shape, Target
from chizai.organizations.models import Organization
from chizai.testing_browser import ARTIFACTS, BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS


def _tokyo_kpi() -> Kpi:
    """Two regional KPIs of 東京都 in the 3rd plan (the api app does not reach into exchange's tests for them)."""
    plan = Plan.objects.create(
        number=3, name="第3次地域知財活性化行動計画", first_fiscal_year=2023, last_fiscal_year=2025
    )
    tokyo = Organization.objects.get(code="pref-13")
    kpi = Kpi.objects.create(
        plan=plan, code="r13-1", kind=KpiKind.REGIONAL, name="=知財セミナーの開催回数", owner=tokyo, unit="回"
    )
    Target.objects.create(kpi=kpi, start_year=2024, end_year=2024, value=Decimal(40))
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
