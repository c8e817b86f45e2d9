"""Companies changed in the Django admin are audited once, with the old and new values."""

from __future__ import annotations

import pytest

from chizai.audit.models import AuditEntry
from chizai.cases.tests.fixtures_cases import make_company

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
