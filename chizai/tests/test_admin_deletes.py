"""Defect 3: deleting a KPI in the admin no longer cascades to its actuals, targets and ratings unaudited."""

from __future__ import annotations

from typing import Any

import pytest

from chizai.audit.models import AuditEntry
from chizai.kpis.models import Kpi
from chizai.kpis.planfile import load_plan_file

pytestmark = pytest.mark.django_db

PLAN3 = "plans/3rd_regional_ip_action_plan.yaml"


@pytest.fixture
def superuser(jpo_admin: Any) -> Any:
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    return jpo_admin


def test_it_refuses_to_delete_a_kpi_whose_actuals_and_targets_would_go_with_it(client: Any, superuser: Any) -> None:
    plan = load_plan_file(PLAN3).plan
    kpi = Kpi.objects.filter(plan=plan, targets__isnull=False).first()
    assert kpi is not None
    client.force_login(superuser)
    entries = AuditEntry.objects.count()

    response = client.post(f"/admin/kpis/kpi/{kpi.pk}/delete/", {"post": "yes"}, follow=True)

    assert Kpi.objects.filter(pk=kpi.pk).exists()
    assert kpi.targets.exists()
    assert "管理画面からは削除できません" in response.content.decode()
    assert AuditEntry.objects.count() == entries


def test_it_refuses_the_delete_selected_action_where_it_would_cascade(client: Any, superuser: Any) -> None:
    plan = load_plan_file(PLAN3).plan
    kpi = Kpi.objects.filter(plan=plan, targets__isnull=False).first()
    assert kpi is not None
    client.force_login(superuser)

    response = client.post(
        "/admin/kpis/kpi/", {"action": "delete_selected", "_selected_action": [kpi.pk], "post": "yes"}, follow=True
    )

    assert Kpi.objects.filter(pk=kpi.pk).exists()
    assert response.status_code == 200
