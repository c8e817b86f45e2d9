"""Viewing and exporting company data is recorded (who, what, when), apart from the history of changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from chizai.audit.models import AuditEntry
from chizai.cases.tests import fixtures_cases as fx

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db


def accesses(action: str) -> list[tuple[str, str, str]]:
    entries = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS, action=action).order_by("pk")
    return [(entry.actor_label, entry.object_type, entry.object_id) for entry in entries]


def test_it_records_who_viewed_a_case_page(client: Any, login: Any, jpo_admin: Any, cases_data: Any) -> None:
    login(client, jpo_admin)

    client.get(reverse("cases:case_detail", args=[cases_data.tokyo_case.pk]))

    assert accesses("cases.case.viewed") == [("jpo_admin", "cases.supportcase", str(cases_data.tokyo_case.pk))]


def test_it_records_who_viewed_a_company_page(client: Any, login: Any, jpo_admin: Any, cases_data: Any) -> None:
    login(client, jpo_admin)
    company = cases_data.tokyo_case.company

    client.get(reverse("cases:company_detail", args=[company.pk]))

    assert accesses("cases.company.viewed") == [("jpo_admin", "cases.company", str(company.pk))]


def test_it_records_nothing_for_a_case_the_user_may_not_see(
    client: Any, login: Any, tokyo_editor: Any, cases_data: Any
) -> None:
    login(client, tokyo_editor)

    response = client.get(reverse("cases:case_detail", args=[cases_data.kanagawa_case.pk]))

    assert response.status_code == 404 and accesses("cases.case.viewed") == []


def test_it_records_who_exported_the_case_list(client: Any, login: Any, jpo_admin: Any, cases_data: Any) -> None:
    login(client, jpo_admin)

    client.get(reverse("exchange:export_cases", args=["csv"]) + "?stage=referral")

    [entry] = AuditEntry.objects.filter(action="cases.case_list.exported")
    assert entry.actor == jpo_admin and entry.kind == AuditEntry.Kind.ACCESS
    assert entry.object_repr == "支援案件の一覧" and "stage=referral" in entry.reason


def test_it_records_who_read_a_case_through_the_api(jpo_admin: Any, cases_data: Any) -> None:
    client = APIClient()
    client.force_authenticate(user=jpo_admin)

    client.get(f"/api/cases/{cases_data.tokyo_case.pk}/")

    assert accesses("cases.case.viewed") == [("jpo_admin", "cases.supportcase", str(cases_data.tokyo_case.pk))]


def test_it_keeps_views_out_of_the_history_of_changes(client: Any, login: Any, jpo_admin: Any, cases_data: Any) -> None:
    login(client, jpo_admin)
    case = cases_data.tokyo_case
    changes = AuditEntry.objects.changes().filter(object_id=str(case.pk)).count()

    client.get(reverse("cases:case_detail", args=[case.pk]))

    assert AuditEntry.objects.changes().filter(object_id=str(case.pk)).count() == changes
