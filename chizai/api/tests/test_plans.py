"""Plans: every logged-in user reads them; only a JPO administrator renames them, and it is audited."""

from __future__ import annotations

from typing import Any

import pytest

from chizai.api.tests.conftest import detail
from chizai.audit.models import AuditEntry
from chizai.kpis.models import Plan


@pytest.fixture
def plan(make_plan: Any) -> Plan:
    return make_plan(90)


def test_it_lists_and_shows_plans_to_any_logged_in_user(api: Any, plan: Plan) -> None:
    client = api("tokyo_viewer")
    listed = client.get("/api/plans/").json()
    assert [p["number"] for p in listed["results"]] == [90]
    shown = client.get("/api/plans/90/").json()
    assert (shown["name"], shown["first_fiscal_year"], shown["last_fiscal_year"]) == ("テスト計画90", 2023, 2025)


def test_it_says_in_japanese_when_a_plan_does_not_exist(api: Any, plan: Plan) -> None:
    response = api("tokyo_viewer").get("/api/plans/7/")
    assert response.status_code == 404
    assert detail(response) == "計画が見つかりません。"


def test_it_lets_a_jpo_administrator_rename_a_plan_with_an_audit_entry(api: Any, plan: Plan) -> None:
    response = api("jpo_admin").patch("/api/plans/90/", {"name": "改定後の計画", "description": "概要"}, format="json")
    assert response.status_code == 200
    plan.refresh_from_db()
    assert (plan.name, plan.description) == ("改定後の計画", "概要")
    entry = AuditEntry.objects.get(action="plan.updated", object_id=str(plan.pk))
    assert entry.changes["name"] == ["テスト計画90", "改定後の計画"]
    assert entry.actor.username == "jpo_admin"


@pytest.mark.parametrize("username", ["jpo_viewer", "tokyo_editor", "kanto_reviewer"])
def test_it_refuses_a_plan_change_by_anyone_else(api: Any, plan: Plan, username: str) -> None:
    response = api(username).patch("/api/plans/90/", {"name": "勝手な名称"}, format="json")
    assert response.status_code == 403
    assert detail(response) == "計画を変更できるのは特許庁の管理者だけです。"
    plan.refresh_from_db()
    assert plan.name == "テスト計画90"
    assert not AuditEntry.objects.filter(action="plan.updated").exists()


def test_it_refuses_an_empty_plan_name(api: Any, plan: Plan) -> None:
    response = api("jpo_admin").patch("/api/plans/90/", {"name": ""}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
