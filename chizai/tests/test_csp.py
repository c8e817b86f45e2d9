"""Content-Security-Policy: every main page carries the header, and its HTML needs no inline script or style."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from chizai.kpis.models import Kpi
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.conftest import PLAN2_FILE, PLAN3_FILE
from chizai.tests.routes import ROUTES
from chizai.tests.world import World


class InlineCodeFinder(HTMLParser):
    """Collects what default-src 'self' would block: on* handlers, style attributes, un-nonced inline blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        self.problems += [f"<{tag} {name}=…>" for name in names if name.startswith("on") or name == "style"]
        if tag == "script" and not names & {"src", "nonce"}:
            self.problems.append("<script> without src or nonce")
        if tag == "style" and "nonce" not in names:
            self.problems.append("<style> without nonce")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


SIGNED_IN_PAGES = [
    "/",
    "/plans/2/",
    "/plans/2/report/",
    "/organizations/",
    "/organizations/pref-13/",
    "/revisions/",
    "/notices/",
    "/pdca/",
    "/pdca/todo/",
    "/pdca/final/2/",
    "/cases/",
    "/cases/overdue/",
    "/cases/companies/",
    "/cases/network/",
    "/cases/model-cases/",
    "/meetings/",
    "/imports/",
    "/api/token/",
    "/api/docs/",
]
PUBLIC_PAGES = ["/login/", "/model-cases/", "/no-such-page/"]


@pytest.fixture
def plans(db: None) -> None:
    load_plan_file(PLAN2_FILE)
    load_plan_file(PLAN3_FILE)


def assert_csp_clean(response: Any, path: str) -> None:
    assert response.status_code in (200, 404), (path, response.status_code)
    assert "default-src 'self'" in response["Content-Security-Policy"], path
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
    assert inline_code(response.content.decode()) == [], path


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_it_serves_every_signed_in_page_under_the_policy_without_inline_code(plans, jpo_admin, path):
    client = Client()
    client.force_login(jpo_admin)
    assert_csp_clean(client.get(path), path)


def test_it_serves_a_kpi_page_with_its_chart_and_achievement_bars_under_the_policy(plans, jpo_admin):
    kpi = Kpi.objects.filter(plan__number=2, actuals__isnull=False).distinct().first()
    assert kpi is not None
    client = Client()
    client.force_login(jpo_admin)
    response = client.get(f"/kpis/{kpi.pk}/")
    assert b"<svg" in response.content
    assert_csp_clean(response, "/kpis/…/")


def test_it_serves_the_admin_under_the_policy_without_inline_code(plans, django_user_model):
    kpi = Kpi.objects.filter(plan__number=2).first()
    assert kpi is not None
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("csp_admin", password="x" * 20))
    for path in ["/admin/", "/admin/kpis/kpi/", f"/admin/kpis/kpi/{kpi.pk}/change/"]:
        assert_csp_clean(client.get(path), path)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_it_serves_the_public_pages_under_the_policy_without_inline_code(plans, path):
    assert_csp_clean(Client().get(path), path)


def test_it_draws_the_achievement_bar_with_an_svg_width_not_a_style(plans, jpo_admin):
    client = Client()
    client.force_login(jpo_admin)
    html = client.get("/plans/2/").content.decode()
    assert '<svg class="bar"' in html
    assert "style=" not in html


def test_it_turns_off_htmx_injected_styles_and_eval(plans, jpo_admin):
    client = Client()
    client.force_login(jpo_admin)
    html = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>""" in html


def test_it_marks_the_api_docs_inline_blocks_with_the_responses_nonce(jpo_admin):
    client = Client()
    client.force_login(jpo_admin)
    response = client.get("/api/docs/")
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert f'<script nonce="{nonce}">' in html


def test_it_serves_every_routed_page_under_the_policy_without_inline_code(world: World, db: None) -> None:
    """Every GET page of the URL registry (detail pages included), as JPO's administrator."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="jpo_admin"))
    checked = 0
    for name, route in sorted(ROUTES.items()):
        if route.kind not in ("page", "public") or "GET" not in route.methods:
            continue
        url = reverse(name, kwargs=route.kwargs(world, world.sides["tokyo"])) + route.query
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue  # exports, feeds, htmx fragments' redirects
        assert "default-src 'self'" in response["Content-Security-Policy"], url
        assert inline_code(response.content.decode()) == [], url
        checked += 1
    assert checked >= 30
