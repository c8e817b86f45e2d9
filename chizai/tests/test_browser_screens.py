"""Any screen: at 390 px no signed-in main page scrolls sideways, and axe-core finds no violation (WCAG 2.1
A/AA and best practices, `region` included) on any main page, at 390 and 1280 px. Screenshots of every page
at both widths go to test-artifacts/screens_<user>_<width>_<page>.png.
"""

from __future__ import annotations

import pytest

from chizai.search.tests.screens import AXE_JS, PHONE, axe_violations, main_pages, page_width
from chizai.testing_browser import ARTIFACTS, BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = [*BROWSER_MARKS, pytest.mark.skipif(not AXE_JS.exists(), reason="run scripts/vendor-assets.sh")]


def _objects() -> dict[str, int]:
    from chizai.tests.world import build_world

    world = build_world()
    tokyo = world.sides["tokyo"]
    return {
        "evaluation": tokyo.evaluation.pk,
        "period": world.period.pk,
        "kpi": tokyo.kpi.pk,
        "case": tokyo.case.pk,
        "company": tokyo.company.pk,
        "meeting": tokyo.meeting.pk,
    }


@pytest.mark.parametrize("username", ["tokyo_editor", "kanto_reviewer", "jpo_admin"])
def test_no_main_page_scrolls_sideways_on_a_phone_and_axe_finds_nothing(live_server, monkeypatch, username):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    pages = main_pages(_objects())
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    for width in (PHONE["width"], 1280):
        with chromium_page() as page:
            page.set_viewport_size({"width": width, "height": PHONE["height"]})
            log_in(page, live_server.url, username)
            for name, path in pages.items():
                page.goto(f"{live_server.url}{path}")
                if width == PHONE["width"] and page_width(page) > width:
                    problems.append(f"{name} at {width}px is {page_width(page)}px wide")
                problems += [f"{name} at {width}px: {v}" for v in axe_violations(page)]
                _screenshot(page, ARTIFACTS / f"screens_{username}_{width}_{name}.png")
    assert problems == []


def _screenshot(page, path) -> None:
    """A full-page screenshot for people to look at; a very long page (the national compilation) may take too
    long on a busy machine, and a missing picture is no failure of the page."""
    from playwright.sync_api import Error

    try:
        page.screenshot(path=str(path), full_page=True, timeout=60_000)
    except Error:
        page.screenshot(path=str(path), timeout=60_000)
