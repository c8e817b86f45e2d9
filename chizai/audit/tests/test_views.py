"""The audit log page: JPO administrators only, filtered on the server, paged, in a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chizai.audit.log import log

pytestmark = pytest.mark.django_db

LIST = reverse("audit:entry_list")


def record(actor, obj, count: int, action: str = "kpis.actual.updated") -> None:
    for number in range(count):
        log(actor, action, obj, {"value": number}, {"value": number + 1}, reason=f"訂正{number}")


def shown(client, query: str = "") -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [entry.reason for entry in response.context["paged"].items]


@pytest.mark.parametrize("username", ["kanto_reviewer", "tokyo_editor", "tokyo_viewer", "jpo_viewer"])
def test_it_is_refused_to_everyone_but_jpo_administrators(client, login, org, django_user_model, username):
    record(None, org("pref-13"), 1)
    login(client, django_user_model.objects.get(username=username))
    assert client.get(LIST).status_code == 403


def test_it_filters_by_user_object_type_action_and_date(client, login, org, jpo_admin, tokyo_editor, osaka_editor):
    record(tokyo_editor, org("pref-13"), 2)
    record(osaka_editor, org("pref-27"), 1, action="cases.case.opened")
    login(client, jpo_admin)
    today = timezone.localdate()
    assert len(shown(client)) >= 3
    assert shown(client, "?user=osaka") == ["訂正0"]
    assert shown(client, "?action=kpis.actual&user=tokyo_editor") == ["訂正1", "訂正0"]  # newest first
    assert shown(client, "?object_type=organizations.organization&action=cases.") == ["訂正0"]
    assert len(shown(client, f"?date_from={today}&date_to={today}&user=_editor")) == 3
    assert shown(client, f"?date_from={today + datetime.timedelta(days=1)}&user=_editor") == []
    assert shown(client, f"?date_to={today - datetime.timedelta(days=1)}&user=_editor") == []


def test_an_invalid_filter_is_ignored_and_said_so(client, login, org, jpo_admin, tokyo_editor):
    record(tokyo_editor, org("pref-13"), 1)
    login(client, jpo_admin)
    response = client.get(LIST + "?date_from=3000-01-01&user=tokyo_editor&page=abc")
    assert [entry.reason for entry in response.context["paged"].items] == ["訂正0"]
    assert "1900年1月1日から2099年12月31日" in response.content.decode()


def test_it_pages_in_a_fixed_number_of_queries(client, login, org, jpo_admin, tokyo_editor):
    login(client, jpo_admin)
    record(tokyo_editor, org("pref-13"), 3)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST + "?user=tokyo_editor")
    record(tokyo_editor, org("pref-13"), 60)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST + "?user=tokyo_editor")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "63件中 1–50件" in response.content.decode()
    assert len(shown(client, "?user=tokyo_editor&page=2")) == 13
