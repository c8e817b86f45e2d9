"""The Django admin for plan data: JPO administrators only, and every change audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chizai.audit.models import AuditEntry
from chizai.kpis.models import Actual, Kpi, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(jpo_admin):  # type: ignore[no-untyped-def]
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    return jpo_admin


def test_it_audits_a_target_changed_in_the_admin(client, superuser, plan3, kpi_of) -> None:  # type: ignore[no-untyped-def]
    target = Target.objects.get(kpi__plan=plan3, kpi__code="core-model-case-support", start_year=2024)
    client.force_login(superuser)
    response = client.post(
        f"/admin/kpis/target/{target.pk}/change/",
        {"kpi": target.kpi_id, "start_year": 2024, "end_year": 2024, "value": "65", "note": ""},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.value == Decimal(65)
    entry = AuditEntry.objects.get(action="kpi.target.updated", object_id=str(target.pk))
    assert entry.actor == superuser
    assert entry.changes == {"value": ["60", "65"]}
    assert entry.kpi_id == target.kpi_id


def test_it_audits_a_target_deleted_in_the_admin(client, superuser, plan3) -> None:  # type: ignore[no-untyped-def]
    target = Target.objects.get(kpi__plan=plan3, kpi__code="core-regional-discovery", start_year=2025)
    client.force_login(superuser)
    response = client.post(f"/admin/kpis/target/{target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    entry = AuditEntry.objects.get(action="kpi.target.deleted", object_id=str(target.pk))
    assert entry.changes["value"] == ["15", None]


@pytest.mark.parametrize("username", ["tokyo_editor", "kanto_reviewer", "jpo_viewer"])
def test_it_keeps_the_admin_closed_to_everyone_but_staff(client, username, django_user_model) -> None:  # type: ignore[no-untyped-def]
    client.force_login(django_user_model.objects.get(username=username))
    response = client.get("/admin/kpis/target/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- the admin obeys the writers' rules (issue 9, defect 3) ---------------------------------------------


def test_it_refuses_to_delete_a_kpi_in_the_admin_instead_of_cascading(client, superuser, plan3) -> None:  # type: ignore[no-untyped-def]
    kpi = Kpi.objects.get(plan=plan3, code="core-model-case-support")
    targets = Target.objects.filter(kpi=kpi).count()
    client.force_login(superuser)

    response = client.post(f"/admin/kpis/kpi/{kpi.pk}/delete/", {"post": "yes"}, follow=True)

    assert "管理画面からは削除できません" in response.content.decode()
    assert Kpi.objects.filter(pk=kpi.pk).exists()
    assert Target.objects.filter(kpi=kpi).count() == targets > 0
    assert not AuditEntry.objects.filter(action="kpi.deleted").exists()


def test_it_audits_an_actual_changed_in_the_admin_through_the_writer(client, superuser, make_kpi) -> None:  # type: ignore[no-untyped-def]
    kpi = make_kpi(owner="pref-13", targets={2024: 20})
    actual = Actual.objects.create(kpi=kpi, start_year=2024, end_year=2024, value=10)
    client.force_login(superuser)

    response = client.post(
        f"/admin/kpis/actual/{actual.pk}/change/",
        {"value": "12", "numerator": "", "denominator": "", "source": "entered", "source_note": ""},
    )

    assert response.status_code == 302
    actual.refresh_from_db()
    assert (actual.value, actual.version) == (Decimal(12), 2)
    entry = AuditEntry.objects.get(action="kpi.actual.updated")
    assert entry.actor == superuser and entry.reason == "管理画面"
