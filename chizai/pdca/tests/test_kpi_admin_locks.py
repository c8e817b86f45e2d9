"""The Django admin for KPI actuals obeys the self-evaluation lock (issue 9, defect 3).

Here rather than in chizai/kpis/tests: the lock is the PDCA app's, and the KPI app's tests do not import it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from chizai.audit.models import AuditEntry
from chizai.kpis.models import Actual
from chizai.kpis.tests import conftest as kpi_fixtures
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status

make_plan = kpi_fixtures.make_plan
add_actuals = kpi_fixtures.add_actuals
make_kpi = kpi_fixtures.make_kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(jpo_admin):  # type: ignore[no-untyped-def]
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    return jpo_admin


@pytest.fixture
def locked_actual(make_kpi):  # type: ignore[no-untyped-def]
    """東京都's 2024上期 actual (10件), reported in a self-evaluation that JPO accepted."""
    kpi = make_kpi(owner="pref-13", targets={2024: 20})
    actual = Actual.objects.create(kpi=kpi, start_year=2024, end_year=2024, half="H1", value=10)
    period = ReportingPeriod.objects.create(
        plan=kpi.plan, fiscal_year=2024, half="H1", due_date=datetime.date(2024, 10, 31)
    )
    SelfEvaluation.objects.create(period=period, organization=kpi.owner, status=Status.ACCEPTED)
    return actual


def test_it_refuses_an_admin_change_of_a_value_locked_by_an_accepted_self_evaluation(  # type: ignore[no-untyped-def]
    client, superuser, locked_actual
) -> None:
    client.force_login(superuser)
    response = client.post(
        f"/admin/kpis/actual/{locked_actual.pk}/change/",
        {"value": "99", "numerator": "", "denominator": "", "source": "entered", "source_note": ""},
    )

    assert response.status_code == 200
    assert "特許庁が受理した自己評価" in response.content.decode()
    locked_actual.refresh_from_db()
    assert locked_actual.value == Decimal(10)
    assert not AuditEntry.objects.filter(action="kpi.actual.updated").exists()


def test_it_refuses_an_admin_delete_of_a_locked_value(client, superuser, locked_actual) -> None:  # type: ignore[no-untyped-def]
    client.force_login(superuser)
    response = client.post(f"/admin/kpis/actual/{locked_actual.pk}/delete/", {"post": "yes"}, follow=True)

    assert "特許庁が受理した自己評価" in response.content.decode()
    assert Actual.objects.filter(pk=locked_actual.pk).exists()
    assert not AuditEntry.objects.filter(action="kpi.actual.deleted").exists()
