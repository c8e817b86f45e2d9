"""The self-evaluation workflow on the model level: each step, who may take it, its audit, and the lock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chizai.audit.models import AuditEntry
from chizai.kpis import actions as kpi_actions
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import Actual, HalfChoice
from chizai.organizations.models import Organization
from chizai.pdca import actions
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, SnapshotValue, Status, Transition
from chizai.pdca.table import ChangedValue, evaluation_rows
from chizai.pdca.tests import fixtures_pdca as fx
from chizai.pdca.tests.fixtures_pdca import TODAY, PdcaData, advance, make_evaluation, user

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data
tokyo_evaluation = fx.tokyo_evaluation

pytestmark = pytest.mark.django_db


def moves(evaluation: SelfEvaluation) -> list[tuple[str, str, str, str, str]]:
    """(from, to, actor, actor's organisation, comment) of every step, oldest first."""
    return [
        (t.from_status, t.to_status, t.actor.username, t.actor_organization.code, t.comment)
        for t in Transition.objects.filter(evaluation=evaluation).select_related("actor", "actor_organization")
    ]


def audited(evaluation: SelfEvaluation) -> list[tuple[str, str, str]]:
    entries = AuditEntry.objects.filter(object_type="pdca.selfevaluation", object_id=str(evaluation.pk))
    return [(e.action, e.actor.username if e.actor else "", e.reason) for e in entries.order_by("at", "pk")]


# --- the workflow ------------------------------------------------------------------------------------------


def test_it_takes_a_prefectures_evaluation_through_its_bureau_to_jpo(tokyo_evaluation):
    evaluation = tokyo_evaluation()
    assert evaluation.status == Status.DRAFT

    submitted = advance(evaluation, "submit")
    assert submitted.status == Status.SUBMITTED and submitted.submitted_at is not None
    reviewed = advance(submitted, "review", comment="内容を確認しました。")
    assert reviewed.status == Status.REVIEWED
    accepted = advance(reviewed, "accept", comment="受理します。")
    assert accepted.status == Status.ACCEPTED and accepted.accepted_at is not None

    assert moves(evaluation) == [
        ("draft", "submitted", "tokyo_editor", "pref-13", ""),
        ("submitted", "reviewed", "kanto_reviewer", "bureau-kanto", "内容を確認しました。"),
        ("reviewed", "accepted", "jpo_admin", "jpo", "受理します。"),
    ]
    assert audited(evaluation) == [
        ("pdca.evaluation.created", "tokyo_editor", ""),
        ("pdca.evaluation.updated", "tokyo_editor", ""),
        ("pdca.evaluation.submitted", "tokyo_editor", ""),
        ("pdca.evaluation.reviewed", "kanto_reviewer", "内容を確認しました。"),
        ("pdca.evaluation.accepted", "jpo_admin", "受理します。"),
    ]


def test_it_lets_the_bureau_return_a_submitted_evaluation_and_the_prefecture_resubmit(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")

    returned = actions.return_evaluation(
        evaluation=submitted, actor=user("kanto_reviewer"), comment="課題の記載を具体的にしてください。"
    )
    assert returned.status == Status.RETURNED
    assert returned.is_editable  # back with 東京都, which may change it again
    fixed = actions.save_evaluation(
        evaluation=returned,
        texts={"issues": "支援後の継続的なフォローが課題。"},
        ratings={},
        expected_version=returned.version,
        actor=user("tokyo_editor"),
    )
    resubmitted = advance(fixed, "submit")

    assert resubmitted.status == Status.SUBMITTED
    assert [(m[0], m[1], m[2], m[4]) for m in moves(submitted)] == [
        ("draft", "submitted", "tokyo_editor", ""),
        ("submitted", "returned", "kanto_reviewer", "課題の記載を具体的にしてください。"),
        ("returned", "submitted", "tokyo_editor", ""),
    ]
    assert ("pdca.evaluation.returned", "kanto_reviewer", "課題の記載を具体的にしてください。") in audited(submitted)


def test_it_lets_jpo_return_what_the_bureau_reviewed_but_not_the_bureau(tokyo_evaluation):
    reviewed = tokyo_evaluation("submit", "review")

    with pytest.raises(PermissionDenied):
        actions.return_evaluation(evaluation=reviewed, actor=user("kanto_reviewer"), comment="やはり差し戻します。")
    returned = actions.return_evaluation(evaluation=reviewed, actor=user("jpo_admin"), comment="数値の根拠を追記。")

    assert returned.status == Status.RETURNED
    assert moves(reviewed)[-1] == ("reviewed", "returned", "jpo_admin", "jpo", "数値の根拠を追記。")


def test_it_refuses_a_return_without_a_comment_and_changes_nothing(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")

    with pytest.raises(ValidationError) as error:
        actions.return_evaluation(evaluation=submitted, actor=user("kanto_reviewer"), comment="  ")

    assert error.value.messages == ["差戻しの理由（コメント）を記入してください。"]
    assert SelfEvaluation.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    assert len(moves(submitted)) == 1


@pytest.mark.parametrize("username", ["kanto_reviewer", "jpo_viewer", "tokyo_editor"])
def test_it_lets_only_jpo_reviewers_reopen_an_accepted_evaluation(tokyo_evaluation, username):
    accepted = tokyo_evaluation("submit", "review", "accept")

    with pytest.raises(PermissionDenied) as error:
        actions.reopen_evaluation(evaluation=accepted, actor=user(username), reason="数値の訂正")

    assert "特許庁" in str(error.value)
    assert SelfEvaluation.objects.get(pk=accepted.pk).status == Status.ACCEPTED


def test_it_reopens_only_with_a_reason(tokyo_evaluation):
    accepted = tokyo_evaluation("submit", "review", "accept")

    with pytest.raises(ValidationError) as error:
        actions.reopen_evaluation(evaluation=accepted, actor=user("jpo_admin"), reason="")
    assert error.value.messages == ["再開の理由を記入してください。"]

    reopened = actions.reopen_evaluation(
        evaluation=accepted, actor=user("jpo_admin"), reason="上期実績の集計誤りの訂正"
    )
    assert reopened.status == Status.REOPENED and reopened.is_editable
    assert moves(accepted)[-1] == ("accepted", "reopened", "jpo_admin", "jpo", "上期実績の集計誤りの訂正")
    assert audited(accepted)[-1] == ("pdca.evaluation.reopened", "jpo_admin", "上期実績の集計誤りの訂正")


def test_it_sends_a_central_bodys_evaluation_straight_to_jpo(pdca_data: PdcaData):
    evaluation = advance(make_evaluation(pdca_data.period(2023, "H1"), "inpit"), "submit")

    with pytest.raises(PermissionDenied):  # no bureau stands between INPIT and JPO
        actions.review_evaluation(evaluation=evaluation, actor=user("kanto_reviewer"))
    accepted = advance(evaluation, "accept")

    assert accepted.status == Status.ACCEPTED
    assert [(m[0], m[1], m[2]) for m in moves(evaluation)] == [
        ("draft", "submitted", "inpit_editor"),
        ("submitted", "accepted", "jpo_admin"),
    ]


def test_it_keeps_a_prefectures_evaluation_from_jpo_until_the_bureau_reviewed_it(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")

    with pytest.raises(PermissionDenied):
        actions.accept_evaluation(evaluation=submitted, actor=user("jpo_admin"))
    with pytest.raises(PermissionDenied):
        actions.review_evaluation(evaluation=submitted, actor=user("kinki_reviewer"))


@pytest.mark.parametrize("username", ["tokyo_viewer", "kanagawa_editor", "kanto_reviewer"])
def test_it_lets_only_the_organisations_editors_write_and_submit(tokyo_evaluation, username):
    evaluation = tokyo_evaluation()

    with pytest.raises(PermissionDenied):
        actions.save_evaluation(
            evaluation=evaluation, texts={"issues": "他人の記入"}, ratings={}, expected_version=2, actor=user(username)
        )
    with pytest.raises(PermissionDenied):
        actions.submit_evaluation(evaluation=evaluation, actor=user(username), today=TODAY)
    assert SelfEvaluation.objects.get(pk=evaluation.pk).issues == ""


def test_it_refuses_to_write_a_submitted_evaluation(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")

    with pytest.raises(PermissionDenied):
        actions.save_evaluation(
            evaluation=submitted,
            texts={"issues": "提出後の書換え"},
            ratings={},
            expected_version=submitted.version,
            actor=user("tokyo_editor"),
        )


def test_it_refuses_a_save_over_someone_elses_newer_version(tokyo_evaluation):
    evaluation = tokyo_evaluation()
    seen = evaluation.version
    actions.save_evaluation(
        evaluation=evaluation,
        texts={"issues": "先に保存"},
        ratings={},
        expected_version=seen,
        actor=user("tokyo_editor"),
    )

    with pytest.raises(ConflictError):
        actions.save_evaluation(
            evaluation=evaluation,
            texts={"issues": "後から保存"},
            ratings={},
            expected_version=seen,
            actor=user("tokyo_editor"),
        )
    assert SelfEvaluation.objects.get(pk=evaluation.pk).issues == "先に保存"


def test_it_starts_one_evaluation_per_half_year_and_organisation(pdca_data: PdcaData, org):
    period = pdca_data.period(2023, "H1")
    first = actions.start_evaluation(period=period, organization=org("pref-13"), actor=user("tokyo_editor"))
    again = actions.start_evaluation(period=period, organization=org("pref-13"), actor=user("tokyo_editor"))

    assert again.pk == first.pk
    with pytest.raises(PermissionDenied):
        actions.start_evaluation(period=period, organization=org("pref-13"), actor=user("tokyo_viewer"))


def test_it_creates_the_plans_half_years_once_with_due_dates_on_business_days(pdca_data: PdcaData):
    periods = actions.ensure_periods(pdca_data.plan)

    assert [(p.fiscal_year, p.half, p.due_date.isoformat()) for p in periods] == [
        (2023, "H1", "2023-10-31"),
        (2023, "H2", "2024-04-30"),
        (2024, "H1", "2024-10-31"),
        (2024, "H2", "2025-04-30"),
        (2025, "H1", "2025-10-31"),
        (2025, "H2", "2026-04-30"),
    ]
    assert actions.ensure_periods(pdca_data.plan) == periods
    assert ReportingPeriod.objects.filter(plan=pdca_data.plan).count() == 6


def test_it_reads_the_existing_half_years_in_one_query(pdca_data: PdcaData, django_assert_num_queries):
    actions.ensure_periods(pdca_data.plan)

    with django_assert_num_queries(1):
        actions.ensure_periods(pdca_data.plan)


# --- acceptance locks the figures --------------------------------------------------------------------------


def save_first_half(pdca_data: PdcaData, value: int, username: str = "tokyo_editor", year: int = 2023) -> None:
    kpi_actions.save_actual(
        kpi=pdca_data.tokyo_kpi,
        start_year=year,
        end_year=year,
        half=HalfChoice.FIRST,
        value=Decimal(value),
        expected_version=None,
        actor=user(username),
    )


def test_it_snapshots_the_reported_figures_on_acceptance(pdca_data: PdcaData, tokyo_evaluation):
    accepted = tokyo_evaluation("submit", "review", "accept")

    snapshots = SnapshotValue.objects.filter(evaluation=accepted)
    assert [(s.kpi_id, s.start_year, s.half, s.value) for s in snapshots] == [
        (pdca_data.tokyo_kpi.pk, 2023, "H1", Decimal(12))
    ]


def test_it_locks_an_accepted_figure_with_a_japanese_message(pdca_data: PdcaData, tokyo_evaluation):
    tokyo_evaluation("submit", "review", "accept")

    with pytest.raises(ValidationError) as error:
        save_first_half(pdca_data, 14)

    assert error.value.messages == [
        "この値は特許庁が受理した自己評価（2023年度上期）で確定しています。"
        "変更するには、特許庁に自己評価の再開を依頼してください。"
    ]
    assert Actual.objects.get(kpi=pdca_data.tokyo_kpi, start_year=2023, half="H1").value == 12


def test_it_locks_only_the_figures_the_accepted_half_year_reported(pdca_data: PdcaData, tokyo_evaluation):
    tokyo_evaluation("submit", "review", "accept")

    save_first_half(pdca_data, 9, year=2024)  # next year's 上期: its own evaluation is not accepted
    kpi_actions.save_actual(
        kpi=pdca_data.tokyo_kpi,
        start_year=2023,
        end_year=2023,
        half=HalfChoice.SECOND,  # reported at 下期
        value=Decimal(10),
        expected_version=None,
        actor=user("tokyo_editor"),
    )

    assert Actual.objects.filter(kpi=pdca_data.tokyo_kpi).count() == 3


def test_it_allows_the_change_after_reopening_and_shows_it_against_the_accepted_figure(
    pdca_data: PdcaData, tokyo_evaluation
):
    accepted = tokyo_evaluation("submit", "review", "accept")
    assert all(row.changes == [] for row in evaluation_rows(accepted, TODAY))

    reopened = advance(accepted, "reopen", comment="上期実績の訂正")
    save_first_half(pdca_data, 14)

    rows = evaluation_rows(reopened, TODAY)
    assert rows[0].kpi.pk == pdca_data.tokyo_kpi.pk
    assert rows[0].changes == [ChangedValue("2023年度上期", Decimal(12), Decimal(14))]
    entry = AuditEntry.objects.filter(action="kpi.actual.updated", kpi_id=pdca_data.tokyo_kpi.pk).get()
    assert entry.changes["value"] == ["12", "14"]


def test_it_locks_again_when_the_reopened_evaluation_is_accepted_again(pdca_data: PdcaData, tokyo_evaluation):
    reopened = tokyo_evaluation("submit", "review", "accept", "reopen")
    save_first_half(pdca_data, 14)

    accepted_again = advance(reopened, "submit", "review", "accept")

    with pytest.raises(ValidationError):
        save_first_half(pdca_data, 15)
    # The new acceptance is the new reference: nothing differs from it.
    assert evaluation_rows(accepted_again, TODAY)[0].changes == []


def test_it_never_locks_another_organisations_figures(pdca_data: PdcaData, tokyo_evaluation):
    osaka_kpi = fx.add_regional_kpi(
        pdca_data.plan,
        Organization.objects.get(code="pref-27"),
        code="regional-27",
        name="大阪府 支援企業数",
        targets={2023: 10},
        actuals={"2023H1": 4},
    )
    tokyo_evaluation("submit", "review", "accept")

    kpi_actions.save_actual(
        kpi=osaka_kpi,
        start_year=2023,
        end_year=2023,
        half=HalfChoice.FIRST,
        value=Decimal(5),
        expected_version=None,
        actor=user("osaka_editor"),
    )

    assert Actual.objects.get(kpi=osaka_kpi, half="H1").value == 5


# --- free texts have a limit on every path (defect 9) ----------------------------------------------------------


def test_it_refuses_an_overlong_text_from_any_caller_and_changes_nothing(tokyo_evaluation):
    evaluation = tokyo_evaluation()
    editor = user("tokyo_editor")

    with pytest.raises(ValidationError) as refused:
        actions.save_evaluation(
            evaluation=evaluation,
            texts={"issues": "課" * 4001},
            ratings={},
            expected_version=evaluation.version,
            actor=editor,
        )

    assert refused.value.messages == ["「課題」は4,000文字以内で記入してください。"]
    assert SelfEvaluation.objects.get(pk=evaluation.pk).version == evaluation.version
