"""The audit log: only what changed is recorded, in plain values a person can read."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from chizai.audit.context import current_request_id
from chizai.audit.log import diff, log
from chizai.audit.models import AuditEntry


@pytest.mark.django_db
def test_it_reports_only_the_fields_that_changed():
    before = {"value": Decimal(267), "note": "以上", "source": "plan"}
    after = {"value": Decimal(300), "note": "以上", "source": "plan"}

    assert diff(before, after) == {"value": ["267", "300"]}


@pytest.mark.django_db
def test_it_reports_every_field_of_a_creation_and_of_a_deletion():
    snapshot = {"value": Decimal(12), "numerator": None, "text": "所見"}

    assert diff(None, snapshot) == {"value": [None, "12"], "text": [None, "所見"]}
    assert diff(snapshot, None) == {"value": ["12", None], "text": ["所見", None]}


@pytest.mark.django_db
def test_it_stores_decimals_as_plain_strings():
    changes = diff({"a": None, "b": None, "c": None}, {"a": Decimal("267"), "b": Decimal("12.5"), "c": Decimal("1E+3")})

    assert changes == {"a": [None, "267"], "b": [None, "12.5"], "c": [None, "1000"]}


@pytest.mark.django_db
def test_it_stores_a_decimal_read_from_the_database_without_its_trailing_zeros_when_whole():
    # DecimalField(decimal_places=2) gives 267.00 back: the log shows 267, not 267.00.
    assert diff({"value": Decimal("250.00")}, {"value": Decimal("267.00")}) == {"value": ["250", "267"]}


@pytest.mark.django_db
def test_it_sees_no_change_between_equal_decimals_of_different_scale():
    assert diff({"value": Decimal("267.00")}, {"value": Decimal(267)}) == {}


@pytest.mark.django_db
def test_it_stores_a_fractional_decimal_read_from_the_database_as_typed():
    assert diff({"value": Decimal("12.50")}, {"value": Decimal("12.5")}) == {}
    assert diff(None, {"value": Decimal("12.50")}) == {"value": [None, "12.5"]}


@pytest.mark.django_db
def test_it_stores_dates_as_iso_strings():
    changes = diff({"day": datetime.date(2024, 3, 31)}, {"day": datetime.date(2024, 4, 1)})

    assert changes == {"day": ["2024-03-31", "2024-04-01"]}


@pytest.mark.django_db
def test_it_returns_none_and_writes_nothing_when_nothing_changed(org, jpo_admin):
    before = AuditEntry.objects.count()

    entry = log(jpo_admin, "kpi.actual.updated", org("jpo"), {"value": Decimal("267.00")}, {"value": Decimal(267)})

    assert entry is None
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_it_records_actor_object_and_changes(org, tokyo_editor):
    tokyo = org("pref-13")

    entry = log(
        tokyo_editor,
        "kpi.actual.updated",
        tokyo,
        {"value": Decimal(10)},
        {"value": Decimal(11)},
        kpi_id=5,
        reason="訂正",
    )

    assert entry is not None
    saved = AuditEntry.objects.get(pk=entry.pk)
    assert (saved.actor, saved.actor_label) == (tokyo_editor, "tokyo_editor")
    assert (saved.object_type, saved.object_id, saved.object_repr) == (
        "organizations.organization",
        str(tokyo.pk),
        str(tokyo),
    )
    assert (saved.kpi_id, saved.reason, saved.changes) == (5, "訂正", {"value": ["10", "11"]})
    assert saved.request_id == ""


@pytest.mark.django_db
def test_it_names_the_system_when_there_is_no_user(org):
    entry = log(None, "plan.updated", org("jpo"), {"name": "旧"}, {"name": "新"})

    assert entry is not None and entry.actor is None and entry.actor_label == "システム"


@pytest.mark.django_db
def test_it_ties_the_entry_to_the_current_request(org, jpo_admin):
    token = current_request_id.set("f" * 32)
    try:
        entry = log(jpo_admin, "plan.updated", org("jpo"), {"name": "旧"}, {"name": "新"})
    finally:
        current_request_id.reset(token)

    assert entry is not None and AuditEntry.objects.get(pk=entry.pk).request_id == "f" * 32
