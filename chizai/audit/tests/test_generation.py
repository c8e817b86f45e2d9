"""The data's generation moves with every recorded change and with nothing else (chizai.audit.generation)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from chizai.audit.generation import data_generation, request_generation
from chizai.audit.log import log, log_access

pytestmark = pytest.mark.django_db


def test_a_change_moves_it_and_a_recorded_read_does_not(org: Any, jpo_admin: Any) -> None:
    tokyo = org("pref-13")
    before = data_generation()

    log_access(jpo_admin, "cases.case.viewed", tokyo)
    after_read = data_generation()
    log(jpo_admin, "organization.updated", tokyo, {"name": tokyo.name}, {"name": "東京都（改称）"})
    after_change = data_generation()

    assert after_read == before
    assert after_change != before


def test_a_change_made_and_rolled_back_leaves_it(org: Any, jpo_admin: Any) -> None:
    from django.db import transaction

    tokyo = org("pref-13")
    before = data_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        log(jpo_admin, "organization.updated", tokyo, {"name": tokyo.name}, {"name": "東京都（改称）"})
        raise RuntimeError("the save failed")

    assert data_generation() == before


def test_a_request_reads_it_once() -> None:
    request = RequestFactory().get("/")

    with CaptureQueriesContext(connection) as queries:
        first, second = request_generation(request), request_generation(request)

    assert first == second and len(queries) == 1


def test_a_kept_fragment_is_kept_until_the_data_changes_and_per_what_it_varies_on(
    org: Any, jpo_admin: Any, fragment_cache: None
) -> None:
    from django.template import Context, Template, TemplateSyntaxError

    page = Template("{% load kept %}{% kept figures number %}{{ counted.value }}{% endkept %}")
    counted = {"value": 1}

    def show(number: int) -> str:
        return page.render(Context({"request": RequestFactory().get("/"), "number": number, "counted": counted}))

    assert show(1) == "1"
    counted["value"] = 2
    assert show(1) == "1"  # kept: the data has not changed
    assert show(2) == "2"  # what it varies on
    log(jpo_admin, "organization.updated", org("pref-13"), {"name": "東京都"}, {"name": "東京都（改称）"})
    assert show(1) == "2"  # a change of the data: computed again
    with pytest.raises(TemplateSyntaxError, match="needs the fragment's name"):
        Template("{% load kept %}{% kept %}{% endkept %}")
