"""Achievement, progress, status and forecast for every KPI shape of the plan (DOMAIN.md), with the seed's numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from chizai.kpis import achievement
from chizai.kpis.achievement import ItemsMet, PeriodResult, Status
from chizai.kpis.models import Direction, Kpi, PeriodBasis, Shape

D = Decimal
# The 2nd plan's results were published in May 2023; FY2022 ended on 2023-03-31.
AFTER_PLAN2 = datetime.date(2023, 6, 1)
AFTER_PLAN3 = datetime.date(2026, 4, 1)


def row(kpi: Kpi, start: int, end: int | None = None, *, today: datetime.date) -> PeriodResult:
    end = start if end is None else end
    matches = [r for r in achievement.results(kpi, today) if (r.start_year, r.end_year) == (start, end)]
    assert len(matches) == 1, f"expected one row for {start}-{end}, got {matches}"
    return matches[0]


# --- per fiscal year, same target each year (core indicator, 250社/年度) -------------------------------


@pytest.mark.django_db
def test_it_rates_each_year_of_the_core_indicator_against_250_a_year(plan2, kpi_of):
    kpi = kpi_of(plan2, "core-hands-on")

    rows = achievement.results(kpi, AFTER_PLAN2)

    assert [(r.label, r.target, r.actual, r.achievement, r.status) for r in rows] == [
        ("2020年度", D(250), D(267), D(107), Status.ACHIEVED),
        ("2021年度", D(250), D(256), D(102), Status.ACHIEVED),
        ("2022年度", D(250), D(277), D(111), Status.ACHIEVED),
    ]
    assert rows[0].status.label == "達成"


@pytest.mark.django_db
def test_it_marks_a_year_below_its_target_as_not_achieved(plan2, kpi_of):
    kpi = kpi_of(plan2, "foreign-filing-subsidy")  # 400件/年度: 515, 383, 328

    rows = achievement.results(kpi, AFTER_PLAN2)

    assert [(r.achievement, r.status.label) for r in rows] == [(D(129), "達成"), (D(96), "未達"), (D(82), "未達")]


# --- per fiscal year, a different target each year (attached KPI 5 / 10 / 15) ---------------------------


@pytest.mark.django_db
def test_it_uses_each_years_own_target_for_the_attached_kpi(plan3, kpi_of, add_actuals):
    kpi = kpi_of(plan3, "core-regional-discovery")
    add_actuals(kpi, {2023: 6, 2024: 9, 2025: 15})
    kpi = kpi_of(plan3, "core-regional-discovery")

    rows = achievement.results(kpi, AFTER_PLAN3)

    assert [(r.label, r.target, r.achievement, r.status) for r in rows] == [
        ("2023年度", D(5), D(120), Status.ACHIEVED),
        ("2024年度", D(10), D(90), Status.NOT_ACHIEVED),
        ("2025年度", D(15), D(100), Status.ACHIEVED),
    ]


# --- cumulative over a range of years (250件, 2020～2022年度累計) ------------------------------------------


@pytest.mark.django_db
def test_it_rates_a_cumulative_target_against_the_actual_stated_for_the_range(plan2, kpi_of):
    kpi = kpi_of(plan2, "finance-collaboration")

    rows = achievement.results(kpi, AFTER_PLAN2)

    assert len(rows) == 1
    assert (rows[0].label, rows[0].target, rows[0].actual) == ("2020～2022年度", D(250), D(213))
    assert rows[0].achievement == D(85)
    assert rows[0].status.label == "未達"


@pytest.mark.django_db
def test_it_adds_up_yearly_actuals_for_a_cumulative_target(make_kpi):
    kpi = make_kpi(shape=Shape.CUMULATIVE, targets={"2020-2022": 250}, actuals={2020: 80, 2021: 70, 2022: 63})

    rows = achievement.results(kpi, AFTER_PLAN2)

    assert len(rows) == 1, "yearly actuals inside the range are part of the range, not rows of their own"
    assert (rows[0].actual, rows[0].achievement, rows[0].status) == (D(213), D(85), Status.NOT_ACHIEVED)


@pytest.mark.django_db
def test_it_shows_a_cumulative_range_to_date_while_it_runs(make_kpi):
    kpi = make_kpi(shape=Shape.CUMULATIVE, targets={"2020-2022": 250}, actuals={2020: 80, 2021: 70})

    during = row(kpi, 2020, 2022, today=datetime.date(2022, 6, 1))
    after = row(kpi, 2020, 2022, today=AFTER_PLAN2)

    assert (during.actual, during.achievement, during.status) == (D(150), D(60), Status.IN_PROGRESS)
    assert after.status == Status.NOT_EVALUABLE, "a year of the range was never reported"


@pytest.mark.django_db
def test_it_judges_a_cumulative_range_only_after_its_last_year(plan2, kpi_of):
    kpi = kpi_of(plan2, "finance-collaboration")

    assert row(kpi, 2020, 2022, today=datetime.date(2023, 3, 31)).status == Status.IN_PROGRESS
    assert row(kpi, 2020, 2022, today=datetime.date(2023, 4, 1)).status == Status.NOT_ACHIEVED


# --- stock, cumulative to date (累計93機関以上) ----------------------------------------------------------


@pytest.mark.django_db
def test_it_takes_the_second_half_level_as_the_year_figure_of_a_stock(plan3, kpi_of, add_actuals):
    kpi = kpi_of(plan3, "agency-ip-finance-institutions")
    add_actuals(kpi, {"2023H1": 90, "2023H2": 95})
    kpi = kpi_of(plan3, "agency-ip-finance-institutions")

    result = row(kpi, 2023, today=datetime.date(2024, 4, 1))

    assert (result.first_half, result.second_half) == (D(90), D(95))
    assert result.actual == D(95), "a stock is a level: the halves are not added (90 + 95 would be 185)"
    assert (result.target, result.achievement, result.status) == (D(93), D(102), Status.ACHIEVED)


@pytest.mark.django_db
def test_it_shows_a_stocks_first_half_level_to_date_and_forecasts_from_last_years_level(make_kpi):
    kpi = make_kpi(shape=Shape.STOCK, unit="機関", targets={2023: 93}, actuals={2022: 85, "2023H1": 90})

    result = row(kpi, 2023, today=datetime.date(2023, 10, 15))

    assert (result.actual, result.complete, result.status) == (D(90), False, Status.IN_PROGRESS)
    assert result.first_half_achievement is None, "a first-half share of a target only makes sense for counts"
    assert result.forecast == D(95)  # 90 + (90 − 85)


@pytest.mark.django_db
def test_it_cannot_judge_a_stock_reported_only_for_the_first_half(make_kpi):
    kpi = make_kpi(shape=Shape.STOCK, unit="機関", targets={2023: 93}, actuals={"2023H1": 95})

    assert row(kpi, 2023, today=datetime.date(2024, 4, 1)).status == Status.NOT_EVALUABLE


# --- ratio with a threshold (60% 以上) -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_pools_numerators_and_denominators_of_a_ratio_across_halves(plan3, kpi_of, add_actuals):
    kpi = kpi_of(plan3, "effect-ip-in-strategy")
    # H1 9/10 = 90%, H2 21/50 = 42%: the mean of the two percentages (66%) would pass the threshold,
    # but over the year 30 of 60 companies acted on it: 50.0%.
    add_actuals(kpi, {"2023H1": {"numerator": 9, "denominator": 10}, "2023H2": {"numerator": 21, "denominator": 50}})
    kpi = kpi_of(plan3, "effect-ip-in-strategy")

    result = row(kpi, 2023, today=datetime.date(2024, 4, 1))

    assert (result.first_half, result.second_half) == (D("90.0"), D("42.0"))
    assert result.actual == D("50.0")
    assert result.target == D(60)
    assert result.status == Status.NOT_ACHIEVED
    assert result.achievement == D(83)  # 50.0 ÷ 60


@pytest.mark.django_db
def test_it_meets_a_ratio_threshold_exactly_at_the_threshold(plan3, kpi_of, add_actuals):
    kpi = kpi_of(plan3, "effect-ip-in-strategy")
    add_actuals(kpi, {2024: {"numerator": 12, "denominator": 20}})
    kpi = kpi_of(plan3, "effect-ip-in-strategy")

    result = row(kpi, 2024, today=datetime.date(2025, 4, 1))

    assert (result.actual, result.status) == (D("60.0"), Status.ACHIEVED)


# --- baseline → target, calendar years (PCT 4,379件 (2018年) → 5,000件 (2022年)) -------------------------


@pytest.mark.django_db
def test_it_gives_achievement_and_progress_from_the_baseline_for_pct_filings(plan2, kpi_of):
    kpi = kpi_of(plan2, "effect-sme-pct-filings")

    rows = achievement.results(kpi, AFTER_PLAN2)

    assert [(r.label, r.actual) for r in rows] == [("2020年", D(5072)), ("2021年", D(5115)), ("2022年", D(4700))]
    final = rows[-1]
    assert final.achievement == D("94.0")  # 4,700 ÷ 5,000
    assert final.progress == D("51.7")  # (4,700 − 4,379) ÷ (5,000 − 4,379)
    assert final.status == Status.NOT_ACHIEVED


@pytest.mark.django_db
def test_it_keeps_the_years_before_a_baseline_kpis_target_year_in_progress(plan2, kpi_of):
    kpi = kpi_of(plan2, "effect-sme-pct-filings")

    rows = achievement.results(kpi, AFTER_PLAN2)

    # 5,072 and 5,115 are above 5,000, but the target is for 2022: the earlier years are not judged.
    assert [r.status for r in rows[:2]] == [Status.IN_PROGRESS, Status.IN_PROGRESS]


@pytest.mark.django_db
def test_it_judges_a_calendar_year_from_the_first_of_january(plan2, kpi_of):
    kpi = kpi_of(plan2, "effect-sme-pct-filings")

    assert row(kpi, 2022, today=datetime.date(2022, 12, 31)).status == Status.IN_PROGRESS
    assert row(kpi, 2022, today=datetime.date(2023, 1, 1)).status == Status.NOT_ACHIEVED


# --- not measurable in the period, qualitative only ------------------------------------------------------


@pytest.mark.django_db
def test_it_cannot_evaluate_a_kpi_not_measurable_in_the_period(plan2, kpi_of):
    kpi = kpi_of(plan2, "effect-ip-management-share")  # 30% (2018年) → 40%, judged qualitatively

    rows = achievement.results(kpi, AFTER_PLAN2)

    assert [(r.actual, r.achievement, r.status) for r in rows] == [(None, None, Status.NOT_EVALUABLE)]
    assert rows[0].status.label == "評価不能"


@pytest.mark.django_db
def test_it_does_not_judge_a_non_measurable_kpi_even_when_a_figure_was_entered(make_kpi):
    kpi = make_kpi(measurable=False, targets={2023: 40}, actuals={2023: 45})

    assert row(kpi, 2023, today=AFTER_PLAN3).status == Status.NOT_EVALUABLE


@pytest.mark.django_db
def test_it_lists_each_plan_year_of_a_qualitative_kpi_as_not_evaluable(plan3, kpi_of):
    kpi = kpi_of(plan3, "effect-regional-value-creation")

    rows = achievement.results(kpi, AFTER_PLAN3)

    assert [(r.label, r.target, r.status) for r in rows] == [
        ("2023年度", None, Status.NOT_EVALUABLE),
        ("2024年度", None, Status.NOT_EVALUABLE),
        ("2025年度", None, Status.NOT_EVALUABLE),
    ]


# --- agency target set for FY2023 only -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_an_actual_of_a_year_whose_agency_target_is_not_set_without_judging_it(plan3, kpi_of, add_actuals):
    kpi = kpi_of(plan3, "agency-window-consultations")  # 105,000件以上 for FY2023 only
    add_actuals(kpi, {2023: 110_000, 2024: 100_000})
    kpi = kpi_of(plan3, "agency-window-consultations")

    rows = achievement.results(kpi, AFTER_PLAN3)

    assert [(r.label, r.target, r.actual, r.achievement, r.status) for r in rows] == [
        ("2023年度", D(105_000), D(110_000), D(105), Status.ACHIEVED),
        ("2024年度", None, D(100_000), None, Status.NOT_EVALUABLE),
    ]


# --- aggregate of regional KPIs (items met) --------------------------------------------------------------


@pytest.mark.django_db
def test_it_counts_regional_kpi_items_met_for_a_prefecture(make_kpi):
    tokyo = [
        make_kpi(targets={2023: 10}, actuals={2023: 12}),
        make_kpi(targets={2023: 10}, actuals={2023: 10}),
        make_kpi(targets={2023: 10}, actuals={2023: 9}),
    ]
    without_target = make_kpi(actuals={2023: 5})

    counted = achievement.items_met(achievement.result_for_year(k, 2023, AFTER_PLAN3) for k in [*tokyo, without_target])

    assert counted == ItemsMet(total=3, met=2)
    assert counted.rate == D("66.7")


@pytest.mark.django_db
def test_it_adds_items_met_up_the_tree_from_prefectures_to_the_block(make_kpi):
    def items(owner: str, actuals: list[int]) -> ItemsMet:
        kpis = [make_kpi(owner=owner, targets={2023: 10}, actuals={2023: a}) for a in actuals]
        return achievement.items_met(achievement.result_for_year(k, 2023, AFTER_PLAN3) for k in kpis)

    tokyo = items("pref-13", [12, 10, 9])
    kanagawa = items("pref-14", [3, 11])

    block = tokyo + kanagawa

    assert block == ItemsMet(total=5, met=3)
    assert block.rate == D("60.0")
    assert ItemsMet(0, 0).rate is None


@pytest.mark.django_db
def test_it_does_not_count_a_regional_kpi_as_met_before_its_year_ends(make_kpi):
    kpi = make_kpi(targets={2023: 10}, actuals={2023: 12})

    counted = achievement.items_met([achievement.result_for_year(kpi, 2023, datetime.date(2024, 3, 31))])

    assert counted == ItemsMet(total=1, met=0)


# --- lower is better -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_divides_target_by_actual_when_lower_is_better(make_kpi):
    kpi = make_kpi(direction=Direction.LOWER, unit="日", targets={2023: 10, 2024: 10}, actuals={2023: 8, 2024: 12})

    rows = achievement.results(kpi, AFTER_PLAN3)

    assert [(r.achievement, r.status) for r in rows] == [(D(125), Status.ACHIEVED), (D(83), Status.NOT_ACHIEVED)]


# --- rounding --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_rounds_to_one_decimal_when_the_kpi_says_so(plan2, kpi_of):
    kpi = kpi_of(plan2, "effect-business-growth")  # 251 of 150, 達成率 167.3%

    result = row(kpi, 2020, 2022, today=AFTER_PLAN2)

    assert result.achievement == D("167.3")
    assert result.status == Status.ACHIEVED


@pytest.mark.django_db
def test_it_computes_regional_items_met_of_2022_as_78_9_percent(plan2, kpi_of):
    kpi = kpi_of(plan2, "regional-kpi-items")  # 90 of 114 items

    actual = kpi.actuals.get(start_year=2022)

    assert actual.figure == D("78.9")


@pytest.mark.django_db
def test_it_rounds_halves_up_not_to_even(make_kpi):
    kpi = make_kpi(targets={2023: 40}, actuals={2023: 41})  # 102.5% → 103 (banker's rounding gives 102)

    assert row(kpi, 2023, today=AFTER_PLAN3).achievement == D(103)


# --- half years of a flow KPI ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_a_first_half_alone_as_in_progress_with_a_forecast(plan3, kpi_of, add_actuals):
    kpi = kpi_of(plan3, "core-model-case-support")  # 60件／年度
    add_actuals(kpi, {"2023H1": 30})
    kpi = kpi_of(plan3, "core-model-case-support")

    result = row(kpi, 2023, today=datetime.date(2023, 10, 15))

    assert result.status == Status.IN_PROGRESS
    assert (result.actual, result.complete) == (D(30), False)
    assert result.first_half_achievement == D(50)  # 30 ÷ 60
    assert result.forecast == D(60)  # no history: half the year in each half
    assert result.forecast_achievement == D(100)


@pytest.mark.django_db
def test_it_forecasts_from_the_usual_first_half_share_of_other_years(make_kpi):
    # FY2022: 20 in H1 of 60 in the year (a third); FY2023 H1 25 → 75 expected by year end.
    kpi = make_kpi(targets={2022: 60, 2023: 60}, actuals={"2022H1": 20, "2022H2": 40, "2023H1": 25})

    result = row(kpi, 2023, today=datetime.date(2023, 10, 15))

    assert result.forecast == D(75)
    assert result.forecast_achievement == D(125)


@pytest.mark.django_db
def test_it_adds_both_halves_of_a_flow_kpi_into_the_year(make_kpi):
    kpi = make_kpi(targets={2023: 60}, actuals={"2023H1": 30, "2023H2": 35})

    result = row(kpi, 2023, today=datetime.date(2024, 4, 1))

    assert (result.actual, result.complete, result.forecast) == (D(65), True, None)
    assert (result.achievement, result.status) == (D(108), Status.ACHIEVED)


@pytest.mark.django_db
def test_it_cannot_judge_a_flow_year_that_ended_with_only_its_first_half(make_kpi):
    kpi = make_kpi(targets={2023: 60}, actuals={"2023H1": 70})

    assert row(kpi, 2023, today=datetime.date(2024, 4, 1)).status == Status.NOT_EVALUABLE


# --- status at the fiscal year boundary ------------------------------------------------------------------


@pytest.mark.django_db
def test_it_keeps_fiscal_2023_in_progress_until_march_31_2024(make_kpi):
    kpi = make_kpi(shape=Shape.PER_PERIOD, period_basis=PeriodBasis.FISCAL_YEAR, targets={2023: 60}, actuals={2023: 61})

    assert row(kpi, 2023, today=datetime.date(2024, 3, 31)).status == Status.IN_PROGRESS
    assert row(kpi, 2023, today=datetime.date(2024, 4, 1)).status == Status.ACHIEVED
