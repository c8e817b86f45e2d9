"""Every route of ours, walked from the urlconf, for every member of the cast and an anonymous visitor.

The promises each route keeps (ISSUE9 §3):
- an anonymous visitor is sent to the login page (the API answers 401/403; public pages answer 200);
- a cast member outside the body that owns the object gets 404, never the object;
- a viewer's POST is refused with 403 and writes nothing;
- a GET writes nothing; a write that succeeds leaves an audit entry;
- names and 法人番号 of companies only other bodies deal with never appear in a response.

A route with no entry in `chizai.tests.routes.ROUTES` fails `test_it_has_a_registry_entry_for_every_route`.
Known violations in views owned elsewhere are strict xfails in `KNOWN_VIOLATIONS`, removed when fixed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.testing import CAST_USERNAMES
from chizai.tests.routes import ROUTES, Route, url_names
from chizai.tests.world import SIDES, World, write_fingerprint

ANONYMOUS = "anonymous"
VIEWERS = ("tokyo_viewer", "jpo_viewer")
USERS = (ANONYMOUS, *CAST_USERNAMES)

# (route, user) → what is wrong. Strict: the test turns red once the view is fixed, so the entry goes.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


def cases() -> Iterator[Any]:
    for name in sorted(ROUTES):
        for username in USERS:
            marks = []
            reason = KNOWN_VIOLATIONS.get((name, username))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(name, username, id=f"{name}×{username}", marks=marks)


def test_it_has_a_registry_entry_for_every_route() -> None:
    missing = [name for name in url_names() if name not in ROUTES]
    stale = sorted(set(ROUTES) - set(url_names()))

    assert not missing, f"routes without an entry in chizai/tests/routes.py ROUTES: {missing}"
    assert not stale, f"ROUTES entries for routes that no longer exist: {stale}"


def test_it_knows_which_companies_are_other_bodies(world: World, db: None) -> None:
    """The leak check below is not vacuous: every body but JPO has companies it must never see."""
    for username in CAST_USERNAMES:
        foreign = world.foreign_company_texts[username]
        assert bool(foreign) == (not username.startswith("jpo_")), username
    osaka_company = world.sides["osaka"].company
    assert osaka_company.name in world.foreign_company_texts["tokyo_editor"]


@pytest.mark.parametrize(("name", "username"), list(cases()))
def test_it_keeps_the_route_contract(world: World, db: None, name: str, username: str) -> None:
    route = ROUTES[name]
    client = Client()
    if username != ANONYMOUS:
        client.force_login(get_user_model().objects.get(username=username))
    own = "osaka" if username in ("osaka_editor", "kinki_reviewer") else "tokyo"
    if route.kind == "auth":
        _check_auth_route(client, world, name, route, username)
        return
    for side in SIDES:
        if side != own and not route.scoped:
            continue  # one visit is enough where nothing belongs to a side
        url = reverse(name, kwargs=route.kwargs(world, world.sides[side])) + route.query
        outsider = username in (route.outsiders or {}).get(side, ())
        for method in route.methods:
            _check(client, world, name, route, username, side, url, method, outsider)


def _check(
    client: Client,
    world: World,
    name: str,
    route: Route,
    username: str,
    side: str,
    url: str,
    method: str,
    outsider: bool,
) -> None:
    where = f"{method} {url} ({name}) as {username}"
    # Changes only: a view or export of company data is recorded as an access entry, which is not a write.
    before, audits = write_fingerprint(), AuditEntry.objects.changes().count()
    data = route.post(world, world.sides[side]) if method != "GET" else None
    response = _request(client, method, url, data)
    status = response.status_code
    wrote = write_fingerprint() != before
    audited = AuditEntry.objects.changes().count() > audits
    assert status < 500, f"{where}: answered {status}"

    if username == ANONYMOUS:
        _check_anonymous(route, response, where)
        assert not wrote and not audited, f"{where}: an anonymous request wrote to the database"
        return
    if outsider and route.scoped:
        expected = (404,) if method == "GET" else (403, 404)
        assert status in expected, f"{where}: another body's object answered {status}, not 404"
        if route.kind == "api":
            assert response["Content-Type"].startswith("application/json"), f"{where}: API 404 is not JSON"
        assert not wrote, f"{where}: an outsider's request wrote to the database"
    if method == "GET":
        assert not wrote and not audited, f"{where}: a GET wrote to the database"
    elif username in VIEWERS and side == "tokyo" and not route.own_data:
        assert status in (403, 404) or (route.kind == "api" and status == 405), (
            f"{where}: a viewer's POST answered {status}, not 403"
        )
        assert not wrote and not audited, f"{where}: a viewer's POST wrote to the database"
    if wrote:
        assert audited, f"{where}: the request wrote rows but left no audit entry"
    typed = set(map(str, (data or {}).values()))
    _check_no_foreign_companies(world, response, username, where, typed)
    if method != "GET" and status == 302:  # the page a write leads to shows its result and its message
        _check_no_foreign_companies(world, client.get(response["Location"]), username, f"{where} → redirect", typed)


def _request(client: Client, method: str, url: str, data: dict[str, Any] | None) -> Any:
    if method == "GET":
        return client.get(url)
    if method in ("PATCH", "PUT"):
        return client.generic(method, url, json.dumps(data or {}), content_type="application/json")
    if url.startswith("/api/") and not url.startswith("/api/token"):
        return client.post(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


def _check_anonymous(route: Route, response: Any, where: str) -> None:
    status = response.status_code
    if route.kind == "public":
        assert status == 200, f"{where}: a public page answered {status}"
    elif route.kind == "api":
        assert status in (401, 403) or (status == 200 and _is_open_api_document(where)), (
            f"{where}: the API answered {status} to an anonymous request"
        )
    else:
        assert status == 302 and response["Location"].startswith("/login/"), (
            f"{where}: an anonymous visitor was not sent to the login page ({status})"
        )


def _is_open_api_document(where: str) -> bool:
    """The schema and its docs page are published as they are: the API's contract is no secret."""
    return "(api:schema)" in where or "(api:docs)" in where


def _check_auth_route(client: Client, world: World, name: str, route: Route, username: str) -> None:
    url = reverse(name, kwargs=route.kwargs(world, world.sides["tokyo"]))
    if name == "login":  # the form for a visitor; someone signed in already is sent on to the dashboard
        assert client.get(url).status_code == (200 if username == ANONYMOUS else 302)
        return
    if name == "logout":
        assert client.post(url).status_code == 302
        return
    # allauth's pages: sign-in, password and second factor. Whoever asks, never a server error.
    for method in route.methods:
        response = _request(client, method, url, None)
        assert response.status_code < 500, f"{method} {url} ({name}) as {username}: answered {response.status_code}"


def _check_no_foreign_companies(world: World, response: Any, username: str, where: str, typed: set[str]) -> None:
    """No company only other bodies deal with is named; what the user typed may be shown back to them."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode("utf-8", errors="ignore")
    else:
        body = response.content.decode("utf-8", errors="ignore")
    leaked = [text for text in world.foreign_company_texts.get(username, []) if text in body and text not in typed]
    assert not leaked, f"{where}: shows companies only other bodies deal with: {leaked[:3]}"
