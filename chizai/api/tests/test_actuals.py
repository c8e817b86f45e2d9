"""Actuals: written through save_actual like the entry page: version-checked, locked, audited, as imports."""

from __future__ import annotations

import datetime
from typing import Any

from chizai.api.tests.conftest import detail
from chizai.audit.models import AuditEntry
from chizai.kpis.actions import CONFLICT_MESSAGE
from chizai.kpis.models import Actual, ActualSource, Kpi
from chizai.organizations.models import Organization
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status


def url(kpi: Kpi) -> str:
    return f"/api/kpis/{kpi.pk}/actuals/"


def actual_2023(kpi: Kpi) -> Actual:
    return Actual.objects.get(kpi=kpi, start_year=2023, end_year=2023, half="FY")


def test_it_lists_a_kpis_actuals(api: Any, tokyo_kpi: Kpi) -> None:
    actuals = api("tokyo_viewer").get(url(tokyo_kpi)).json()["results"]
    assert [(a["start_year"], a["half"], a["value"], a["version"]) for a in actuals] == [(2023, "FY", "8.00", 1)]


def test_it_saves_a_number_as_offices_type_it_as_an_audited_machine_import(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").put(url(tokyo_kpi), {"year": 2023, "value": "1,234件", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    actual = actual_2023(tokyo_kpi)
    assert (actual.value, actual.source, actual.source_note, actual.version) == (1234, ActualSource.IMPORTED, "API", 2)
    entry = AuditEntry.objects.get(action="kpi.actual.updated", kpi_id=tokyo_kpi.pk)
    assert entry.changes["value"] == ["8", "1234"]
    assert entry.actor.username == "tokyo_editor"


def test_it_creates_a_half_year_actual_with_version_zero_by_post(api: Any, tokyo_kpi: Kpi) -> None:
    body = {"year": 2024, "half": "H1", "value": 5, "version": 0}
    response = api("tokyo_editor").post(url(tokyo_kpi), body, format="json")
    assert response.status_code == 200
    assert Actual.objects.get(kpi=tokyo_kpi, start_year=2024, half="H1").value == 5
    assert AuditEntry.objects.filter(action="kpi.actual.created", kpi_id=tokyo_kpi.pk).count() == 1


def test_it_refuses_a_stale_version_with_409_and_the_pages_message(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").put(url(tokyo_kpi), {"year": 2023, "value": 9, "version": 0}, format="json")
    assert response.status_code == 409
    assert detail(response) == CONFLICT_MESSAGE
    assert actual_2023(tokyo_kpi).value == 8


def test_it_refuses_a_bad_number_in_japanese(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").put(url(tokyo_kpi), {"year": 2023, "value": "たくさん", "version": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"value": ["数値を入力してください（例: 1,234）。"]}
    assert actual_2023(tokyo_kpi).value == 8


def test_it_refuses_a_year_outside_the_plan(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").put(url(tokyo_kpi), {"year": 1999, "value": 1, "version": 0}, format="json")
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_it_refuses_a_value_locked_by_an_accepted_self_evaluation(api: Any, tokyo_kpi: Kpi) -> None:
    period = ReportingPeriod.objects.create(
        plan=tokyo_kpi.plan, fiscal_year=2023, half="H2", due_date=datetime.date(2024, 4, 30)
    )
    SelfEvaluation.objects.create(
        period=period, organization=Organization.objects.get(code="pref-13"), status=Status.ACCEPTED
    )
    response = api("tokyo_editor").put(url(tokyo_kpi), {"year": 2023, "value": 9, "version": 1}, format="json")
    assert response.status_code == 400
    assert "特許庁が受理した自己評価" in detail(response)
    assert actual_2023(tokyo_kpi).value == 8


def test_it_refuses_actuals_of_a_kpi_computed_from_cases(api: Any, make_kpi: Any) -> None:
    computed = make_kpi(owner="pref-13", counting_rule="cases_regional", targets={2023: 5})
    response = api("tokyo_editor").put(url(computed), {"year": 2023, "value": 9, "version": 0}, format="json")
    assert response.status_code == 400
    assert detail(response) == "この指標の実績はハンズオン支援案件から自動集計されるため、APIからは入力できません。"
    assert not Actual.objects.filter(kpi=computed).exists()


def test_it_deletes_an_actual_sent_without_a_figure(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").put(url(tokyo_kpi), {"year": 2023, "value": "", "version": 1}, format="json")
    assert response.status_code == 204
    assert not Actual.objects.filter(kpi=tokyo_kpi).exists()
    assert AuditEntry.objects.filter(action="kpi.actual.deleted", kpi_id=tokyo_kpi.pk).exists()


def test_it_refuses_a_viewer_and_hides_other_prefectures(api: Any, tokyo_kpi: Kpi, osaka_kpi: Kpi) -> None:
    body = {"year": 2023, "value": 9, "version": 1}
    viewer = api("tokyo_viewer").put(url(tokyo_kpi), body, format="json")
    assert viewer.status_code == 403
    assert detail(viewer) == "このKPIの実績を入力する権限がありません。"
    assert api("tokyo_editor").put(url(osaka_kpi), {**body, "version": 0}, format="json").status_code == 404
    assert actual_2023(tokyo_kpi).value == 8
    assert not Actual.objects.filter(kpi=osaka_kpi).exists()


def test_it_lets_a_jpo_administrator_write_any_prefecture(api: Any, osaka_kpi: Kpi) -> None:
    response = api("jpo_admin").put(url(osaka_kpi), {"year": 2023, "value": 21, "version": 0}, format="json")
    assert response.status_code == 200
    assert actual_2023(osaka_kpi).value == 21
