"""Companies changed in the Django admin are audited once, with the old and new values."""

from __future__ import annotations

import pytest

from chizai.audit.models import AuditEntry
from chizai.cases.models import Company, CompanyTag, ModelCase, SupportCase
from chizai.cases.tests import fixtures_cases as fx
from chizai.cases.tests.fixtures_cases import make_company
from chizai.cases.tests.fixtures_model_cases import make_closed_case, make_model_case
from chizai.lib.dates import OUT_OF_RANGE_MESSAGE

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db


def test_it_audits_a_company_changed_in_the_admin_exactly_once(client, jpo_admin):
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    company = make_company("テスト精密株式会社", base12="000000000123")
    client.force_login(jpo_admin)

    response = client.post(
        f"/admin/cases/company/{company.pk}/change/",
        {
            "corporate_number": company.corporate_number,
            "name": "テスト精密工業株式会社",
            "prefecture": company.prefecture_id,
            "industry": company.industry,
            "sme_category": company.sme_category,
            "employees": "120",
            "capital": "50000000",
            "registered_by": company.registered_by_id,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entries = AuditEntry.objects.filter(action="cases.company.updated", object_id=str(company.pk))
    assert entries.count() == 1
    assert entries.get().changes["name"] == ["テスト精密株式会社", "テスト精密工業株式会社"]
    assert entries.get().actor == jpo_admin


@pytest.fixture
def staff_admin(client, jpo_admin):
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    client.force_login(jpo_admin)
    return jpo_admin


def test_it_deletes_a_case_in_the_admin_through_the_writer_auditing_every_row_it_removes(
    client, staff_admin, cases_data
):
    case = cases_data.push_case
    stage_changes, issues = case.stage_changes.count(), case.issues.count()

    response = client.post(f"/admin/cases/supportcase/{case.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not SupportCase.objects.filter(pk=case.pk).exists()
    assert AuditEntry.objects.filter(action="cases.case.deleted", object_id=str(case.pk)).count() == 1
    assert AuditEntry.objects.filter(action="cases.stage_change.deleted").count() == stage_changes
    assert AuditEntry.objects.filter(action="cases.issue.removed").count() == issues


def test_it_starts_no_case_in_the_admin_and_refuses_dates_it_cannot_show(client, staff_admin, cases_data):
    assert client.get("/admin/cases/supportcase/add/").status_code == 403
    case = cases_data.push_case
    data = {
        "company": case.company_id,
        "origin": case.origin,
        "support_team": case.support_team_id,
        "opened_on": "1000-01-01",
        "hearing_notes": "新しい記録",
        "outcome_ip_in_strategy": "unknown",
        "outcome_acted_on": "unknown",
        "outcome_business_growth": "unknown",
        "outcome_ip_acquired_or_used": "unknown",
        **_empty_inlines(),
    }
    response = client.post(f"/admin/cases/supportcase/{case.pk}/change/", data)
    assert response.status_code == 200 and OUT_OF_RANGE_MESSAGE in response.content.decode()
    response = client.post(f"/admin/cases/supportcase/{case.pk}/change/", {**data, "opened_on": "2024-10-01"})
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.hearing_notes == "新しい記録" and case.version == 3
    entry = AuditEntry.objects.filter(action="cases.case.updated", object_id=str(case.pk)).latest("pk")
    assert entry.changes["hearing_notes"][1] == "新しい記録"


def _empty_inlines() -> dict[str, str]:
    forms = {}
    for prefix in ("stage_changes", "issues", "expert_supports"):
        forms |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return forms


def test_it_registers_and_deletes_a_company_and_a_tag_in_the_admin_through_the_writers(client, staff_admin, org):
    data = {
        "corporate_number": fx.corporate_number("130000000555"),
        "name": "管理画面登録株式会社",
        "prefecture": org("pref-13").pk,
        "industry": "製造",
        "sme_category": "manufacturing",
        "registered_by": org("pref-13").pk,
    }
    assert client.post("/admin/cases/company/add/", data).status_code == 302
    company = Company.objects.get(name="管理画面登録株式会社")
    assert AuditEntry.objects.filter(action="cases.company.created", object_id=str(company.pk)).exists()
    assert client.post(f"/admin/cases/company/{company.pk}/delete/", {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action="cases.company.deleted", object_id=str(company.pk)).exists()
    assert client.post("/admin/cases/companytag/add/", {"name": "管理画面の区分"}).status_code == 302
    tag = CompanyTag.objects.get(name="管理画面の区分")
    assert client.post(f"/admin/cases/companytag/{tag.pk}/delete/", {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action="cases.company_tag.deleted", object_id=str(tag.pk)).exists()


def test_it_deletes_cases_selected_in_the_admin_list_through_the_writer_auditing_every_row(
    client, staff_admin, cases_data
):
    cases = [cases_data.tokyo_case, cases_data.kanagawa_case]
    removed = sum(case.stage_changes.count() + case.issues.count() + case.expert_supports.count() for case in cases)
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = client.post(
        "/admin/cases/supportcase/",
        {"action": "delete_selected", "_selected_action": [case.pk for case in cases], "post": "yes"},
    )

    assert response.status_code == 302
    assert not SupportCase.objects.filter(pk__in=[case.pk for case in cases]).exists()
    new = AuditEntry.objects.filter(pk__gt=last)
    assert new.filter(action="cases.case.deleted").count() == 2
    removals = ("cases.stage_change.deleted", "cases.issue.removed", "cases.expert_support.removed")
    assert new.filter(action__in=removals).count() == removed  # every row the cascade removed, audited


def test_it_refuses_in_the_admin_a_company_with_cases_and_any_model_case(client, staff_admin, cases_data):
    """A company's cases refer to it and a model case moves only through its workflow: the admin deletes
    neither, says why in Japanese, and records nothing."""
    company = cases_data.tokyo_case.company
    model_case = make_model_case(case=make_closed_case())
    before = AuditEntry.objects.count()

    refused = client.post(f"/admin/cases/company/{company.pk}/delete/", {"post": "yes"}, follow=True)
    bulk = client.post(
        "/admin/cases/company/", {"action": "delete_selected", "_selected_action": [company.pk], "post": "yes"}
    )
    closed = client.post(f"/admin/cases/modelcase/{model_case.pk}/delete/", {"post": "yes"}, follow=True)

    assert refused.status_code == 200 and "削除できません" in refused.content.decode()  # its cases protect it
    assert bulk.status_code in (200, 302)  # the confirmation page lists what protects it
    assert closed.status_code == 200 and "管理画面からは削除できません" in closed.content.decode()
    assert Company.objects.filter(pk=company.pk).exists() and ModelCase.objects.filter(pk=model_case.pk).exists()
    assert AuditEntry.objects.count() == before
