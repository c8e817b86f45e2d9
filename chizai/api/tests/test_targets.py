"""Targets: read by whoever sees the KPI; added and changed by editors of its owner, audited, version-checked."""

from __future__ import annotations

from typing import Any

from chizai.api.tests.conftest import detail
from chizai.audit.models import AuditEntry
from chizai.kpis.actions import CONFLICT_MESSAGE
from chizai.kpis.models import Kpi, Target


def target_of(kpi: Kpi, year: int) -> Target:
    return Target.objects.get(kpi=kpi, start_year=year, end_year=year)


def test_it_lists_a_kpis_targets(api: Any, tokyo_kpi: Kpi) -> None:
    targets = api("tokyo_viewer").get(f"/api/kpis/{tokyo_kpi.pk}/targets/").json()["results"]
    assert [(t["start_year"], t["value"]) for t in targets] == [(2023, "10.00"), (2024, "12.00")]


def test_it_adds_a_target_typed_as_an_office_types_it(api: Any, tokyo_kpi: Kpi) -> None:
    body = {"start_year": 2025, "end_year": 2025, "value": "１５件", "note": "令和7年度"}
    response = api("tokyo_editor").post(f"/api/kpis/{tokyo_kpi.pk}/targets/", body, format="json")
    assert response.status_code == 201, response.json()
    assert target_of(tokyo_kpi, 2025).value == 15
    entry = AuditEntry.objects.get(action="kpi.target.created", kpi_id=tokyo_kpi.pk)
    assert entry.changes["value"] == [None, "15"]


def test_it_refuses_a_second_target_for_the_same_period(api: Any, tokyo_kpi: Kpi) -> None:
    body = {"start_year": 2023, "end_year": 2023, "value": 99}
    response = api("tokyo_editor").post(f"/api/kpis/{tokyo_kpi.pk}/targets/", body, format="json")
    assert response.status_code == 400
    assert "すでに登録" in detail(response)
    assert target_of(tokyo_kpi, 2023).value == 10


def test_it_changes_a_target_with_its_version_and_audits_it(api: Any, tokyo_kpi: Kpi) -> None:
    target = target_of(tokyo_kpi, 2024)
    response = api("tokyo_editor").patch(f"/api/targets/{target.pk}/", {"value": "1,500", "version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["value"], response.json()["version"]) == ("1500.00", 2)
    entry = AuditEntry.objects.get(action="kpi.target.updated", object_id=str(target.pk))
    assert entry.changes == {"value": ["12", "1500"]}


def test_it_refuses_a_stale_target_version_with_409(api: Any, tokyo_kpi: Kpi) -> None:
    target = target_of(tokyo_kpi, 2024)
    Target.objects.filter(pk=target.pk).update(version=3)
    response = api("tokyo_editor").patch(f"/api/targets/{target.pk}/", {"value": 1, "version": 2}, format="json")
    assert response.status_code == 409
    assert detail(response) == CONFLICT_MESSAGE
    assert target_of(tokyo_kpi, 2024).value == 12


def test_it_refuses_a_target_change_by_a_viewer(api: Any, tokyo_kpi: Kpi) -> None:
    target = target_of(tokyo_kpi, 2024)
    client = api("tokyo_viewer")
    assert client.get(f"/api/targets/{target.pk}/").status_code == 200
    assert client.patch(f"/api/targets/{target.pk}/", {"value": 1, "version": 1}, format="json").status_code == 403
    body = {"start_year": 2025, "end_year": 2025, "value": 1}
    assert client.post(f"/api/kpis/{tokyo_kpi.pk}/targets/", body, format="json").status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="kpi.target").exists()


def test_it_hides_another_prefectures_targets(api: Any, osaka_kpi: Kpi) -> None:
    target = target_of(osaka_kpi, 2023)
    client = api("tokyo_editor")
    assert client.get(f"/api/targets/{target.pk}/").status_code == 404
    assert client.patch(f"/api/targets/{target.pk}/", {"value": 1, "version": 1}, format="json").status_code == 404
    assert client.get(f"/api/kpis/{osaka_kpi.pk}/targets/").status_code == 404


def test_it_refuses_a_target_ending_before_it_starts(api: Any, tokyo_kpi: Kpi) -> None:
    body = {"start_year": 2025, "end_year": 2023, "value": 1}
    response = api("jpo_admin").post(f"/api/kpis/{tokyo_kpi.pk}/targets/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"end_year": ["終了年は開始年以降にしてください。"]}
