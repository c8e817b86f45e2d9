"""Demo self-evaluations: `chizai load_demo` leaves the whole PDCA cycle for a new user to look at."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.kpis.demo import ACTOR_LABEL
from chizai.kpis.models import Plan
from chizai.organizations.models import Membership
from chizai.pdca import rules
from chizai.pdca.models import KpiRating, ReportingPeriod, SelfEvaluation, SnapshotValue, Status, Transition
from chizai.testing import CAST_PASSWORD, demo_for_module


def run_load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def first_output(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo loaded once for the whole module (it is slow) and rolled back afterwards."""
    with demo_for_module(django_db_blocker) as output:
        yield output


@pytest.fixture
def demo(first_output: str, db: None) -> Plan:
    return Plan.objects.get(number=3)


def evaluation(code: str, year: int, half: str) -> SelfEvaluation:
    return SelfEvaluation.objects.select_related("organization", "period").get(
        organization__code=code, period__fiscal_year=year, period__half=half
    )


def moves(evaluation: SelfEvaluation) -> list[tuple[str, str, str]]:
    return [(t.to_status, t.actor.get_username() if t.actor else "", t.comment) for t in evaluation.transitions.all()]


def test_it_leaves_evaluations_in_every_state(demo: Plan) -> None:
    statuses = set(SelfEvaluation.objects.filter(period__plan=demo).values_list("status", flat=True))

    assert statuses == {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.REVIEWED,
        Status.RETURNED,
        Status.ACCEPTED,
        Status.REOPENED,
    }
    fy2024_second = SelfEvaluation.objects.filter(period__plan=demo, period__fiscal_year=2024, period__half="H2")
    assert {Status.DRAFT, Status.SUBMITTED, Status.REVIEWED, Status.RETURNED, Status.ACCEPTED} <= set(
        fy2024_second.values_list("status", flat=True)
    )
    fy2023 = SelfEvaluation.objects.filter(period__plan=demo, period__fiscal_year=2023)
    assert set(fy2023.values_list("status", flat=True)) == {Status.ACCEPTED}
    assert ReportingPeriod.objects.filter(plan=demo).count() == 6


def test_it_moves_each_evaluation_as_the_cast_would(demo: Plan) -> None:
    tokyo = evaluation("pref-13", 2024, "H2")
    assert [(to, who) for to, who, _comment in moves(tokyo)] == [(Status.SUBMITTED, "tokyo_editor")]
    osaka = evaluation("pref-27", 2024, "H2")
    assert [(to, who) for to, who, _c in moves(osaka)] == [
        (Status.SUBMITTED, "osaka_editor"),
        (Status.REVIEWED, "kinki_reviewer"),
    ]
    miyagi = evaluation("pref-04", 2023, "H2")
    assert [(to, who) for to, who, _c in moves(miyagi)] == [
        (Status.SUBMITTED, "demo_pref04_editor"),
        (Status.REVIEWED, "demo_tohoku_reviewer"),
        (Status.ACCEPTED, "jpo_admin"),
    ]
    first = evaluation("pref-13", 2023, "H1")
    assert [to for to, _who, _c in moves(first)] == [
        Status.SUBMITTED,
        Status.RETURNED,
        Status.SUBMITTED,
        Status.REVIEWED,
        Status.ACCEPTED,
    ]


def test_it_gives_returns_and_the_reopening_a_reason(demo: Plan) -> None:
    returned = evaluation("pref-14", 2024, "H2")
    assert returned.status == Status.RETURNED
    assert moves(returned)[-1][1] == "kanto_reviewer" and moves(returned)[-1][2].startswith("【デモ】")
    by_jpo = evaluation("pref-34", 2024, "H2")
    assert by_jpo.status == Status.RETURNED and moves(by_jpo)[-1][1] == "jpo_admin"
    reopened = SelfEvaluation.objects.get(period__plan=demo, status=Status.REOPENED)
    assert "集計漏れ" in moves(reopened)[-1][2]
    assert not SelfEvaluation.objects.filter(organization__code="pref-37", period__fiscal_year=2024, period__half="H2")


def test_it_writes_japanese_demo_texts_with_advanced_practices(demo: Plan) -> None:
    evaluations = list(SelfEvaluation.objects.filter(period__plan=demo))

    assert all(e.activities.startswith("【デモ】") for e in evaluations)
    assert all(e.previous_followup.startswith("【デモ】") for e in evaluations if e.previous_improvements)
    shared = [e for e in evaluations if e.advanced_practice and e.status != Status.DRAFT]
    assert len(shared) >= 4
    assert all(t.comment.startswith("【デモ】") for t in Transition.objects.exclude(comment=""))
    override = KpiRating.objects.exclude(rating="").exclude(reason="")
    assert override.exists() and override.first().reason.startswith("【デモ】")


def test_it_snapshots_what_jpo_accepted(demo: Plan) -> None:
    accepted = evaluation("pref-13", 2023, "H2")

    assert accepted.accepted_at is not None
    assert SnapshotValue.objects.filter(evaluation=accepted).count() == 3  # 東京's three FY2023 figures


def test_it_leaves_each_cast_member_something_to_do(demo: Plan) -> None:
    User = get_user_model()

    def user(name: str) -> Any:
        return User.objects.get(username=name)

    assert rules.can_review(user("kanto_reviewer"), evaluation("pref-13", 2024, "H2"))
    assert rules.can_review(user("kinki_reviewer"), evaluation("pref-26", 2024, "H2"))
    assert rules.can_accept(user("jpo_admin"), evaluation("pref-27", 2024, "H2"))
    assert rules.can_edit(user("kanagawa_editor"), evaluation("pref-14", 2024, "H2"))


def test_it_creates_demo_users_who_can_log_in(demo: Plan, client: Any) -> None:
    membership = Membership.objects.select_related("organization").get(user__username="demo_pref01_editor")

    assert (membership.organization.code, membership.role) == ("pref-01", "editor")
    assert Membership.objects.filter(user__username="demo_kyushu_reviewer", organization__code="bureau-kyushu")
    assert client.login(username="demo_pref01_editor", password=CAST_PASSWORD)


def test_it_prints_a_summary_line_and_audits_the_load(demo: Plan, first_output: str) -> None:
    assert "自己評価（デモ）: 追加 47件（" in first_output
    assert "受理 " in first_output and "作成中 2件" in first_output and "デモ用の編集者・審査者" in first_output
    marker = AuditEntry.objects.get(action="pdca.demo.loaded")
    assert marker.actor_label == ACTOR_LABEL and marker.actor is None
    assert AuditEntry.objects.filter(action="pdca.evaluation.accepted", request_id=marker.request_id).exists()


def test_it_changes_nothing_when_run_twice(demo: Plan) -> None:
    def state() -> dict[str, Any]:
        return {
            "evaluations": list(SelfEvaluation.objects.values_list("pk", "status", "version", "activities")),
            "transitions": Transition.objects.count(),
            "snapshots": SnapshotValue.objects.count(),
            "ratings": KpiRating.objects.count(),
            "audit": AuditEntry.objects.count(),
            "users": list(get_user_model().objects.values_list("username", "password")),
            "memberships": Membership.objects.count(),
        }

    before = state()

    output = run_load_demo()

    assert state() == before
    assert "自己評価（デモ）: 追加 0件（変更なし）" in output


def test_it_shows_the_demo_in_the_compilation(demo: Plan, client: Any, login: Any, kanto_reviewer: Any) -> None:
    period = ReportingPeriod.objects.get(plan=demo, fiscal_year=2024, half="H2")

    page = login(client, kanto_reviewer).get(reverse("pdca:compilation", args=[period.pk])).content.decode()

    assert "東京都" in page and "提出済み（局の確認待ち）" in page and "差戻し" in page
    assert "作成中のため、内容は表示されません。" in page  # 新潟県's draft
