"""The computed side of a self-evaluation: carried-forward 改善策, the KPI table and the suggested ratings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chizai.organizations.models import Organization
from chizai.pdca import actions
from chizai.pdca.models import RatingScale, SelfEvaluation, Status
from chizai.pdca.table import evaluation_rows, rating_basis
from chizai.pdca.tests import fixtures_pdca as fx
from chizai.pdca.tests.fixtures_pdca import TODAY, PdcaData, advance, make_evaluation, user

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data
tokyo_evaluation = fx.tokyo_evaluation

pytestmark = pytest.mark.django_db


def osaka_kpi(pdca_data: PdcaData, *, target: int = 100, actuals: dict[str, int]) -> None:
    """大阪府's one regional KPI, so its evaluation's table has exactly one row of known figures."""
    fx.add_regional_kpi(
        pdca_data.plan,
        Organization.objects.get(code="pref-27"),
        code="regional-27",
        name="大阪府 知財経営支援を受けた中小企業数",
        targets={2023: target},
        actuals=actuals,
    )


def osaka_row(pdca_data: PdcaData, half: str = "H2"):  # type: ignore[no-untyped-def]
    evaluation = make_evaluation(pdca_data.period(2023, half), "pref-27")
    (row,) = evaluation_rows(evaluation, TODAY)
    return row


# --- carrying 改善策 forward ---------------------------------------------------------------------------------


def test_it_carries_the_first_halfs_improvements_into_the_second_half_of_the_same_year(pdca_data: PdcaData):
    make_evaluation(pdca_data.period(2023, "H1"), "pref-13", improvements="下期は金融機関との連携を強化する。")

    second = make_evaluation(pdca_data.period(2023, "H2"), "pref-13")

    assert second.previous_improvements == "下期は金融機関との連携を強化する。"


def test_it_carries_the_second_halfs_improvements_into_next_years_first_half(pdca_data: PdcaData):
    make_evaluation(pdca_data.period(2023, "H2"), "pref-13", improvements="翌年度は掘り起こし件数を増やす。")

    next_first = make_evaluation(pdca_data.period(2024, "H1"), "pref-13")

    assert next_first.previous_improvements == "翌年度は掘り起こし件数を増やす。"


def test_it_carries_forward_only_the_organisations_own_improvements(pdca_data: PdcaData):
    make_evaluation(pdca_data.period(2023, "H1"), "pref-14", improvements="神奈川県の改善策")

    tokyo = make_evaluation(pdca_data.period(2023, "H2"), "pref-13")

    assert tokyo.previous_improvements == ""


def test_it_asks_for_the_follow_up_of_carried_forward_improvements_before_submission(pdca_data: PdcaData):
    make_evaluation(pdca_data.period(2023, "H1"), "pref-13", improvements="相談窓口との定例会を始める。")
    second = make_evaluation(pdca_data.period(2023, "H2"), "pref-13")

    with pytest.raises(ValidationError) as error:
        actions.submit_evaluation(evaluation=second, actor=user("tokyo_editor"), today=TODAY)

    assert error.value.messages == ["「前回の改善策の対応状況」を記入してください。"]


# --- the KPI table and the suggested rating ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "suggested"),
    [(120, "A"), (100, "A"), (99, "B"), (80, "B"), (79, "C"), (60, "C"), (59, "D"), (0, "D")],
)
def test_it_suggests_a_rating_from_the_achievement_rate_with_the_default_thresholds(
    pdca_data: PdcaData, actual, suggested
):
    osaka_kpi(pdca_data, actuals={"2023": actual})

    row = osaka_row(pdca_data)

    assert row.result.achievement == Decimal(actual)
    assert row.suggested == suggested
    assert row.final_rating == suggested  # blank rating: the suggestion stands


@pytest.mark.parametrize(("actual", "suggested"), [(90, "A"), (89, "B"), (70, "B"), (69, "C"), (50, "C"), (49, "D")])
def test_it_follows_thresholds_changed_by_the_administrator(pdca_data: PdcaData, actual, suggested):
    RatingScale.objects.create(a_from=Decimal(90), b_from=Decimal(70), c_from=Decimal(50))
    osaka_kpi(pdca_data, actuals={"2023": actual})

    assert osaka_row(pdca_data).suggested == suggested


def test_it_judges_the_first_half_by_the_year_end_forecast(pdca_data: PdcaData):
    # 上期 8社 of 20社 is 40% so far; at the usual pace the year ends at 16社 = 80% → B, not D.
    osaka_kpi(pdca_data, target=20, actuals={"2023H1": 8})

    row = osaka_row(pdca_data, half="H1")

    assert row.result.first_half == 8 and row.result.first_half_achievement == 40
    assert row.result.forecast == 16
    assert row.basis == 80
    assert row.suggested == "B"


def test_it_judges_the_second_half_by_the_whole_years_figure(pdca_data: PdcaData):
    osaka_kpi(pdca_data, target=20, actuals={"2023H1": 8, "2023H2": 9})

    row = osaka_row(pdca_data, half="H2")

    assert row.result.actual == 17 and row.result.complete
    assert row.basis == 85
    assert row.suggested == "B"


def test_it_suggests_nothing_when_there_is_no_rate_to_judge_by(pdca_data: PdcaData):
    osaka_kpi(pdca_data, actuals={})

    row = osaka_row(pdca_data)

    assert row.basis is None and row.suggested == ""
    assert rating_basis(None, "H1") is None


def test_it_lists_one_row_per_kpi_of_the_organisation_only(pdca_data: PdcaData, tokyo_evaluation):
    osaka_kpi(pdca_data, actuals={"2023": 50})

    rows = evaluation_rows(tokyo_evaluation(), TODAY)

    assert [row.kpi.name for row in rows] == [fx.TOKYO_KPI_NAME]
    assert rows[0].result.target == 20 and rows[0].result.first_half == 12
    assert rows[0].suggested == "A"  # forecast 24社 of 20社


# --- a rating other than the suggestion needs a reason ----------------------------------------------------------


def rate(evaluation: SelfEvaluation, kpi_id: int, rating: str, reason: str = "") -> SelfEvaluation:
    return actions.save_evaluation(
        evaluation=evaluation,
        texts={},
        ratings={kpi_id: (rating, reason)},
        expected_version=evaluation.version,
        actor=user("tokyo_editor"),
    )


def test_it_blocks_submission_of_a_changed_rating_without_a_reason(pdca_data: PdcaData, tokyo_evaluation):
    evaluation = rate(tokyo_evaluation(), pdca_data.tokyo_kpi.pk, "C")

    with pytest.raises(ValidationError) as error:
        actions.submit_evaluation(evaluation=evaluation, actor=user("tokyo_editor"), today=TODAY)

    assert error.value.messages == [f"「{fx.TOKYO_KPI_NAME}」の自己評価を目安（A）と変えた理由を記入してください。"]
    assert SelfEvaluation.objects.get(pk=evaluation.pk).status == Status.DRAFT


def test_it_submits_a_changed_rating_with_its_reason(pdca_data: PdcaData, tokyo_evaluation):
    evaluation = rate(tokyo_evaluation(), pdca_data.tokyo_kpi.pk, "C", "下期は大型案件が見込めないため。")

    submitted = advance(evaluation, "submit")

    (row,) = evaluation_rows(submitted, TODAY)
    assert submitted.status == Status.SUBMITTED
    assert row.overridden and row.final_rating == "C"
    assert row.rating.reason == "下期は大型案件が見込めないため。"


def test_it_needs_no_reason_to_confirm_the_suggestion(pdca_data: PdcaData, tokyo_evaluation):
    evaluation = rate(tokyo_evaluation(), pdca_data.tokyo_kpi.pk, "A")

    assert advance(evaluation, "submit").status == Status.SUBMITTED


def test_it_blocks_submission_without_the_activities(tokyo_evaluation):
    evaluation = tokyo_evaluation(activities="")

    with pytest.raises(ValidationError) as error:
        actions.submit_evaluation(evaluation=evaluation, actor=user("tokyo_editor"), today=TODAY)

    assert error.value.messages == ["「取組状況」を記入してください。"]


# --- a 上期 evaluation reports 上期 only (defect 4) --------------------------------------------------------------


def test_it_computes_a_first_half_evaluation_from_the_first_half_alone(pdca_data: PdcaData):
    """The 2025上期 form showed the full year (53件, 104%, suggested A) once 下期 was entered; 上期 alone is 22件."""
    fx.add_regional_kpi(
        pdca_data.plan,
        Organization.objects.get(code="pref-27"),
        code="regional-27",
        name="大阪府 知財経営支援を受けた中小企業数",
        unit="件",
        targets={2025: 51},
        actuals={"2025H1": 22, "2025H2": 31},
    )
    first_half = make_evaluation(pdca_data.period(2025, "H1"), "pref-27")
    second_half = make_evaluation(pdca_data.period(2025, "H2"), "pref-27")

    (row,) = evaluation_rows(first_half, TODAY)
    (year_row,) = evaluation_rows(second_half, TODAY)

    assert (year_row.result.actual, year_row.result.achievement, year_row.suggested) == (53, 104, "A")
    assert row.result.actual == 22 and row.result.first_half == 22 and row.result.second_half is None
    assert row.result.achievement == 43  # 22 / 51, against the annual target
    assert (row.result.forecast, row.result.forecast_achievement) == (44, 86)  # 22 at the usual 上期 share of 50%
    assert (row.basis, row.suggested) == (86, "B")
    assert not row.result.complete
