"""KPIs: the user's visible KPIs with computed achievement; regional KPIs written by their prefecture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chizai.api.tests.conftest import detail
from chizai.audit.models import AuditEntry
from chizai.kpis.actions import CONFLICT_MESSAGE
from chizai.kpis.models import Kpi, KpiKind

NEW_KPI = {"plan": 90, "code": "tokyo-ip-seminars", "name": "知財セミナーの開催回数", "unit": "回", "owner": "pref-13"}


def codes(response: Any) -> set[str]:
    return {kpi["code"] for kpi in response.json()["results"]}


def test_it_lists_only_the_kpis_the_user_may_see(api: Any, tokyo_kpi: Kpi, osaka_kpi: Kpi, central_kpi: Kpi) -> None:
    assert codes(api("tokyo_viewer").get("/api/kpis/")) == {tokyo_kpi.code, central_kpi.code}
    assert codes(api("osaka_editor").get("/api/kpis/")) == {osaka_kpi.code, central_kpi.code}
    assert codes(api("jpo_viewer").get("/api/kpis/")) == {tokyo_kpi.code, osaka_kpi.code, central_kpi.code}


def test_it_computes_achievement_per_year_from_targets_and_actuals(api: Any, tokyo_kpi: Kpi) -> None:
    kpi = api("tokyo_viewer").get(f"/api/kpis/{tokyo_kpi.pk}/").json()
    fy2023 = next(r for r in kpi["results"] if r["end_year"] == 2023)
    assert (fy2023["target"], fy2023["actual"], fy2023["achievement"]) == ("10.00", "8.00", "80")
    assert (fy2023["status"], fy2023["status_label"]) == ("not_achieved", "未達")


def test_it_filters_by_plan_organization_and_kind(api: Any, tokyo_kpi: Kpi, osaka_kpi: Kpi, central_kpi: Kpi) -> None:
    client = api("jpo_admin")
    assert codes(client.get("/api/kpis/?organization=pref-27")) == {osaka_kpi.code}
    assert codes(client.get("/api/kpis/?kind=core")) == {central_kpi.code}
    assert codes(client.get("/api/kpis/?plan=90&kind=regional")) == {tokyo_kpi.code, osaka_kpi.code}
    assert codes(client.get("/api/kpis/?plan=3")) == set()
    assert client.get("/api/kpis/?plan=第3次").status_code == 400


def test_it_hides_another_prefectures_kpi(api: Any, osaka_kpi: Kpi) -> None:
    response = api("tokyo_editor").get(f"/api/kpis/{osaka_kpi.pk}/")
    assert response.status_code == 404
    assert detail(response) == "KPIが見つかりません。"


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_it_lists_kpis_in_a_fixed_number_of_queries(api: Any, make_kpi: Callable[..., Kpi]) -> None:
    client = api("jpo_admin")
    for number in range(2):
        make_kpi(owner="pref-13", targets={2023: 10}, actuals={2023: number})
    few = _queries(client, "/api/kpis/")
    for number in range(10):
        make_kpi(owner=f"pref-{number + 20:02d}", targets={2023: 10, 2024: 5}, actuals={2023: number, "2024H1": 1})
    assert _queries(client, "/api/kpis/") == few
    assert few <= 9


def test_it_creates_a_regional_kpi_for_the_editors_prefecture_with_an_audit_entry(api: Any, make_plan: Any) -> None:
    make_plan(90)
    response = api("tokyo_editor").post("/api/kpis/", {**NEW_KPI, "baseline_value": "１２"}, format="json")
    assert response.status_code == 201, response.json()
    kpi = Kpi.objects.get(code="tokyo-ip-seminars")
    assert (kpi.kind, kpi.owner.code, kpi.baseline_value) == (KpiKind.REGIONAL, "pref-13", 12)
    assert response.json()["id"] == kpi.pk
    entry = AuditEntry.objects.get(action="kpi.created", kpi_id=kpi.pk)
    assert entry.changes["name"] == [None, "知財セミナーの開催回数"]


@pytest.mark.parametrize(("username", "owner"), [("tokyo_editor", "pref-27"), ("tokyo_viewer", "pref-13")])
def test_it_refuses_a_kpi_for_a_prefecture_the_user_does_not_edit(
    api: Any, make_plan: Any, username: str, owner: str
) -> None:
    make_plan(90)
    response = api(username).post("/api/kpis/", {**NEW_KPI, "owner": owner}, format="json")
    assert response.status_code == 403
    assert not Kpi.objects.filter(code="tokyo-ip-seminars").exists()
    assert not AuditEntry.objects.filter(action="kpi.created").exists()


def test_it_refuses_a_duplicate_code_in_the_same_plan(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").post("/api/kpis/", {**NEW_KPI, "code": tokyo_kpi.code}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"code": ["この計画には同じコードのKPIがすでにあります。"]}


def test_it_updates_a_regional_kpi_with_its_version_and_audits_it(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").patch(
        f"/api/kpis/{tokyo_kpi.pk}/", {"name": "知財相談件数（改）", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["version"]) == ("知財相談件数（改）", 2)
    entry = AuditEntry.objects.get(action="kpi.updated", kpi_id=tokyo_kpi.pk)
    assert entry.changes == {"name": ["東京都の知財相談件数", "知財相談件数（改）"]}


def test_it_refuses_a_stale_kpi_version_with_409(api: Any, tokyo_kpi: Kpi) -> None:
    Kpi.objects.filter(pk=tokyo_kpi.pk).update(version=2)
    response = api("tokyo_editor").patch(f"/api/kpis/{tokyo_kpi.pk}/", {"name": "上書き", "version": 1}, format="json")
    assert response.status_code == 409
    assert detail(response) == CONFLICT_MESSAGE
    assert Kpi.objects.get(pk=tokyo_kpi.pk).name == "東京都の知財相談件数"


def test_it_lets_a_jpo_administrator_edit_a_regional_kpi(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("jpo_admin").patch(f"/api/kpis/{tokyo_kpi.pk}/", {"unit": "社", "version": 1}, format="json")
    assert response.status_code == 200
    assert Kpi.objects.get(pk=tokyo_kpi.pk).unit == "社"


@pytest.mark.parametrize(
    ("username", "status"), [("tokyo_viewer", 403), ("kanto_reviewer", 403), ("osaka_editor", 404)]
)
def test_it_refuses_a_kpi_change_by_a_non_editor(api: Any, tokyo_kpi: Kpi, username: str, status: int) -> None:
    response = api(username).patch(f"/api/kpis/{tokyo_kpi.pk}/", {"name": "x", "version": 1}, format="json")
    assert response.status_code == status
    assert Kpi.objects.get(pk=tokyo_kpi.pk).name == "東京都の知財相談件数"


def test_it_never_changes_a_central_kpi_through_the_api(api: Any, central_kpi: Kpi) -> None:
    response = api("jpo_admin").patch(f"/api/kpis/{central_kpi.pk}/", {"name": "x", "version": 1}, format="json")
    assert response.status_code == 403
    assert "中央KPI" in detail(response)
    assert Kpi.objects.get(pk=central_kpi.pk).name == "ハンズオン支援企業数"


def test_a_period_result_is_written_as_drfs_own_field_loop_writes_it() -> None:
    # The list's fast path must give the same keys, order and values as DRF's generic Serializer.to_representation.
    from decimal import Decimal

    from rest_framework import serializers as drf

    from chizai.api.serializers import PERIOD_RESULT
    from chizai.kpis.achievement import PeriodResult, Status

    for result in (
        PeriodResult(2025, 2025, "2025年度", Decimal(30), "", Decimal("36.50"), Decimal(15), None, True,
                     Decimal(122), None, Decimal(30), Decimal(100), None, Status.ACHIEVED),
        PeriodResult(2023, 2027, "2023～2027年度", None, "注", None, None, None, False,
                     None, None, None, None, Decimal("-12.5"), Status.IN_PROGRESS),
    ):  # fmt: skip
        fast = PERIOD_RESULT.to_representation(result)
        generic = drf.Serializer.to_representation(PERIOD_RESULT, result)
        assert list(fast.items()) == list(generic.items())
