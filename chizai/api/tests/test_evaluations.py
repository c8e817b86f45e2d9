"""Written evaluations: through save_evaluation, version-checked, for editors of the KPI's owner."""

from __future__ import annotations

from typing import Any

from chizai.api.tests.conftest import detail
from chizai.audit.models import AuditEntry
from chizai.kpis.actions import CONFLICT_MESSAGE
from chizai.kpis.models import Evaluation, Kpi


def url(kpi: Kpi) -> str:
    return f"/api/kpis/{kpi.pk}/evaluations/"


BODY = {"start_year": 2023, "end_year": 2023, "text": "相談窓口の周知が進んだ。", "version": 0}


def test_it_saves_an_evaluation_and_lists_it(api: Any, tokyo_kpi: Kpi) -> None:
    client = api("tokyo_editor")
    response = client.put(url(tokyo_kpi), BODY, format="json")
    assert response.status_code == 200
    assert [(e["text"], e["version"]) for e in client.get(url(tokyo_kpi)).json()["results"]] == [
        ("相談窓口の周知が進んだ。", 1)
    ]
    assert AuditEntry.objects.filter(action="kpi.evaluation.created", kpi_id=tokyo_kpi.pk).exists()


def test_it_refuses_a_stale_evaluation_with_409(api: Any, tokyo_kpi: Kpi) -> None:
    client = api("tokyo_editor")
    client.put(url(tokyo_kpi), BODY, format="json")
    response = client.put(url(tokyo_kpi), {**BODY, "text": "別の評価"}, format="json")
    assert response.status_code == 409
    assert detail(response) == CONFLICT_MESSAGE
    assert Evaluation.objects.get(kpi=tokyo_kpi).text == "相談窓口の周知が進んだ。"


def test_it_refuses_a_period_the_kpi_does_not_have(api: Any, tokyo_kpi: Kpi) -> None:
    response = api("tokyo_editor").put(url(tokyo_kpi), {**BODY, "start_year": 2010, "end_year": 2010}, format="json")
    assert response.status_code == 400
    assert "period" in response.json()["errors"]


def test_it_refuses_a_viewer_and_hides_other_prefectures(api: Any, tokyo_kpi: Kpi, osaka_kpi: Kpi) -> None:
    assert api("tokyo_viewer").put(url(tokyo_kpi), BODY, format="json").status_code == 403
    assert api("tokyo_editor").put(url(osaka_kpi), BODY, format="json").status_code == 404
    assert not Evaluation.objects.exists()
