"""The menu reaches every page function; its badges count what waits for the user, in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.pdca.tests import fixtures_pdca as fx
from chizai.search.navigation import MENU, _navigation
from chizai.testing import NAVIGATION_QUERIES
from chizai.tests.routes import ROUTES

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data
tokyo_evaluation = fx.tokyo_evaluation

# Pages reached from another page's content, never on their own: a form of one object, an action, a download.
NOT_IN_MENU = {"kpis:actual_edit", "kpis:evaluation_edit", "pdca:evaluation_start", "pdca:evaluation_transition"}


def menu_names() -> set[str]:
    return {name for group in MENU for link in group.links for name in (link.url_name, *link.children)}


def test_every_page_without_arguments_is_in_the_menu():
    """A page a user opens directly (no object in its address) must be one click away."""
    missing = []
    for name, route in ROUTES.items():
        if route.kind != "page" or name in NOT_IN_MENU or "GET" not in route.methods:
            continue
        if name.startswith("exchange:export") or name.startswith("exchange:import_") and name != "exchange:import_list":
            continue  # downloads and an import's own pages, linked from their lists
        try:
            reverse(name)
        except Exception:
            continue  # needs an object: reached from that object's list
        if name not in menu_names():
            missing.append(name)
    assert missing == []


def context_for(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    from django.urls import resolve

    request.resolver_match = resolve(path)
    return _navigation(request)


@pytest.mark.django_db
def test_a_returned_evaluation_is_counted_for_its_editor(tokyo_evaluation, tokyo_editor, tokyo_viewer):
    tokyo_evaluation("submit", "return")
    assert context_for(tokyo_editor)["badges"].returned == 1
    assert context_for(tokyo_viewer)["badges"].returned == 0  # a viewer cannot act on it


@pytest.mark.django_db
def test_a_submitted_evaluation_waits_for_its_blocks_reviewer_only(
    tokyo_evaluation, kanto_reviewer, kinki_reviewer, jpo_admin
):
    tokyo_evaluation("submit")
    assert context_for(kanto_reviewer)["badges"].pending == 1
    assert context_for(kinki_reviewer)["badges"].pending == 0
    assert context_for(jpo_admin)["badges"].pending == 0  # JPO accepts after the bureau's confirmation


@pytest.mark.django_db
def test_the_menu_costs_two_queries_and_one_when_kept(tokyo_evaluation, kanto_reviewer, fragment_cache):
    tokyo_evaluation("submit")
    from chizai.organizations.permissions import memberships

    memberships(kanto_reviewer)  # loaded once per request by the page anyway
    with CaptureQueriesContext(connection) as queries:
        navigation = context_for(kanto_reviewer, "/pdca/todo/")
    assert len(queries) == NAVIGATION_QUERIES == 2  # the data's generation, then plan, period and badges
    with CaptureQueriesContext(connection) as kept:
        context_for(kanto_reviewer, "/pdca/todo/")
    assert len(kept) == 1  # the generation: the rest is kept under it
    todo = next(item for item in navigation["groups"][0]["links"] if item["link"].url_name == "pdca:todo")
    assert todo["current"] and navigation["breadcrumbs"][-1]["label"] == "やること"
