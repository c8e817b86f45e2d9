"""In real Chromium, the dashboard, a KPI page and the API docs run under the Content-Security-Policy without a
single violation: no inline script or style was left behind, the behaviour moved to app.js still works, and
Swagger UI still draws the API.
"""

from __future__ import annotations

import pytest

from chizai.kpis.models import Kpi
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.conftest import PLAN2_FILE, PLAN3_FILE
from chizai.testing_browser import BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS


def test_it_shows_the_main_pages_without_a_csp_violation(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    load_plan_file(PLAN3_FILE)
    plan2 = load_plan_file(PLAN2_FILE).plan
    kpi = Kpi.objects.filter(plan=plan2, actuals__isnull=False).distinct().first()
    assert kpi is not None
    expect = sync_api.expect
    console: list[str] = []

    with chromium_page() as page:
        page.on("console", lambda message: console.append(message.text))
        log_in(page, live_server.url, "jpo_admin")

        page.goto(f"{live_server.url}/plans/2/")
        expect(page.locator("svg.bar").first).to_be_visible()
        page.get_by_label("計画").select_option("3")  # app.js replaces the select's inline onchange
        expect(page).to_have_url(f"{live_server.url}/plans/3/")
        page.goto(f"{live_server.url}/kpis/{kpi.pk}/")
        expect(page.locator("figure.chart svg")).to_be_visible()
        page.goto(f"{live_server.url}/api/docs/")
        expect(page.locator(".swagger-ui .title")).to_contain_text("chizai API")
        expect(page.locator(".opblock-summary-path", has_text="/api/kpis/").first).to_be_visible()

    violations = [text for text in console if "Content Security Policy" in text or "Refused to" in text]
    assert violations == []
