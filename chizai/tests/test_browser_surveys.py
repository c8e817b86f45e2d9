"""The survey pages in a real browser: at 390 px none scrolls sideways and axe-core finds nothing, at 390 and
1280 px, for JPO, a bureau reviewer and a prefecture editor. Screenshots go to test-artifacts/ (or
$CHIZAI_SHOTS_DIR) as surveys_<user>_<width>_<page>.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chizai.search.tests.screens import AXE_JS, PHONE, axe_violations, page_width
from chizai.testing_browser import ARTIFACTS, BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = [*BROWSER_MARKS, pytest.mark.skipif(not AXE_JS.exists(), reason="run scripts/vendor-assets.sh")]


def _pages(username: str) -> dict[str, str]:
    from chizai.surveys.models import Questionnaire
    from chizai.tests.world import build_world

    build_world()
    follow_up = Questionnaire.objects.get(code="demo-follow-up").pk
    municipal = Questionnaire.objects.get(code="demo-municipal").pk
    anonymous = Questionnaire.objects.get(code="demo-satisfaction").pk
    region = {"jpo_admin": "bureau-kanto", "kanto_reviewer": "bureau-kanto", "tokyo_editor": "pref-13"}[username]
    pages = {
        "list": "/surveys/",
        "results_block": f"/surveys/{follow_up}/results/?split=block",
        "results_origin": f"/surveys/{follow_up}/results/?split=origin",
        "results_municipal": f"/surveys/{municipal}/results/?split=block",
        "texts_anonymous": f"/surveys/{anonymous}/texts/",
        "municipal": f"/surveys/{municipal}/municipal/",
        "analysis": "/surveys/analysis/",
        "analysis_region": f"/surveys/analysis/{region}/",
    }
    if username == "jpo_admin":
        pages |= {"design_new": "/surveys/new/", "design_edit": f"/surveys/{follow_up}/edit/"}
    return pages


@pytest.mark.parametrize("username", ["tokyo_editor", "kanto_reviewer", "jpo_admin"])
def test_survey_pages_fit_a_phone_and_axe_finds_nothing(live_server, monkeypatch, username):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    pages = _pages(username)
    shots = Path(os.environ.get("CHIZAI_SHOTS_DIR", ARTIFACTS))
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in (PHONE["width"], 1280):
        with chromium_page() as page:
            page.set_viewport_size({"width": width, "height": PHONE["height"]})
            log_in(page, live_server.url, username)
            for name, path in pages.items():
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, f"{name}: {response and response.status}"
                if width == PHONE["width"] and page_width(page) > width:
                    problems.append(f"{name} at {width}px is {page_width(page)}px wide")
                problems += [f"{name} at {width}px: {v}" for v in axe_violations(page)]
                page.screenshot(path=str(shots / f"surveys_{username}_{width}_{name}.png"), full_page=True)
    assert problems == []
