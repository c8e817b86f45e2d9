"""The figures table: what pages read equals what achievement.py computes from the raw rows, on every day."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from chizai.kpis import achievement, figures
from chizai.kpis.actions import ActualValue, delete_rows, save_actual, save_actuals, save_kpi, save_plan, save_target
from chizai.kpis.models import Actual, Direction, FigureView, Kpi, KpiFigure, PeriodBasis, Plan, Shape, Target
from chizai.kpis.tests import fixtures_views as fx

pytestmark = pytest.mark.django_db

views_today = fx.views_today
views_data = fx.views_data
more_regional_kpis = fx.more_regional_kpis

# Days around every period end of FY2021–2026 (the status turns from 進行中 the day after a period ends).
DAYS = [
    datetime.date(2022, 6, 1),
    datetime.date(2023, 3, 31),
    datetime.date(2023, 4, 1),
    datetime.date(2023, 10, 1),
    datetime.date(2023, 12, 31),
    datetime.date(2024, 1, 1),
    datetime.date(2024, 3, 31),
    datetime.date(2024, 4, 1),
    datetime.date(2025, 4, 1),
    datetime.date(2026, 4, 1),
    datetime.date(2027, 4, 1),
]


@pytest.fixture
def every_shape(make_kpi: Callable[..., Kpi]) -> list[Kpi]:
    """A KPI of each shape the plan uses, with whole-year, half-year, range and missing figures."""
    return [
        make_kpi(targets={2023: 60, 2024: 60, 2025: 60}, actuals={"2023H1": 25, "2023H2": 40, "2024H1": 30, 2025: 61}),
        make_kpi(targets={2023: 40}, actuals={2023: 41}),  # 102.5% → 103
        make_kpi(targets={2023: 60}, actuals={"2023H1": 70}),
        make_kpi(shape=Shape.CUMULATIVE, targets={"2020-2022": 250}, actuals={2020: 80, 2021: 70, 2022: 63}),
        make_kpi(shape=Shape.CUMULATIVE, targets={"2020-2022": 250}, actuals={"2020-2022": 267}),
        make_kpi(shape=Shape.STOCK, unit="機関", targets={2023: 93}, actuals={2022: 85, "2023H1": 90}),
        make_kpi(
            shape=Shape.RATIO,
            unit="%",
            decimals=1,
            targets={2023: 60},
            actuals={"2023H1": {"numerator": 9, "denominator": 10}, "2023H2": {"numerator": 21, "denominator": 50}},
        ),
        make_kpi(
            shape=Shape.BASELINE_TARGET,
            period_basis=PeriodBasis.CALENDAR_YEAR,
            baseline_value=4379,
            baseline_year=2018,
            targets={2022: 5000},
            actuals={2020: 5072, 2021: 4800, 2022: 5100},
        ),
        make_kpi(shape=Shape.QUALITATIVE),
        make_kpi(measurable=False, targets={2023: 40}, actuals={2023: 45}),
        make_kpi(direction=Direction.LOWER, unit="日", targets={2023: 10, 2024: 10}, actuals={2023: 8, 2024: 12}),
        make_kpi(actuals={2023: 5, "2024H1": 3}),  # no target
        make_kpi(decimals=1, targets={2023: 150}, actuals={2023: 251}),  # 167.3%
        make_kpi(),  # nothing entered yet
    ]


def test_it_reads_every_result_as_achievement_computes_it_on_every_day(every_shape: list[Kpi]) -> None:
    figures.refresh(every_shape)
    stored = figures.load(every_shape)

    for today in DAYS:
        for kpi in every_shape:
            rows = achievement.results(kpi, today)
            assert stored.results(kpi, today) == rows, (kpi.shape, today)
            assert stored.latest(kpi, today) == achievement.latest_result(kpi, today, rows)
            for year in range(2019, 2027):
                assert stored.for_year(kpi, year, today) == achievement.result_for_year(kpi, year, today, rows)
                assert stored.first_half(kpi, year, today) == achievement.first_half_result(kpi, year, today, rows)


def test_it_reads_one_years_figures_alone_the_same(every_shape: list[Kpi]) -> None:
    figures.refresh(every_shape)

    for year in (2022, 2023, 2024):
        stored = figures.load(every_shape, year=year)
        for today in DAYS:
            for kpi in every_shape:
                assert stored.for_year(kpi, year, today) == achievement.result_for_year(kpi, year, today)
                assert stored.first_half(kpi, year, today) == achievement.first_half_result(kpi, year, today)


def test_it_computes_kpis_whose_figures_were_never_stored_when_read(every_shape: list[Kpi]) -> None:
    assert not KpiFigure.objects.exists()

    stored = figures.load(every_shape)

    today = datetime.date(2024, 4, 1)
    assert [stored.results(kpi, today) for kpi in every_shape] == [
        achievement.results(kpi, today) for kpi in every_shape
    ]


def test_it_counts_regional_items_met_in_the_database_as_items_met_does(every_shape: list[Kpi]) -> None:
    figures.refresh(every_shape[:-3])  # the last three were never stored: computed when counted
    kpis = Kpi.objects.filter(pk__in=[k.pk for k in every_shape])

    for today in DAYS:
        counted = figures.regional_items(kpis, list(range(2019, 2027)), today)
        for year in range(2019, 2027):
            expected = achievement.items_met(achievement.result_for_year(k, year, today) for k in every_shape)
            assert counted.national(year) == expected, (year, today)
    assert counted.count == len(every_shape)
    assert [b.block_name for b in counted.blocks if b] == ["関東"]


def test_it_keeps_the_figures_current_through_every_writer(make_kpi: Callable[..., Kpi], jpo_admin: Any) -> None:
    kpi = make_kpi(targets={2023: 60})
    target = Target.objects.get(kpi=kpi)

    save_actual(kpi=kpi, start_year=2023, end_year=2023, value=Decimal(45), expected_version=0, actor=jpo_admin)
    assert _year_2023(kpi).achievement == 75
    save_target(kpi=kpi, start_year=2023, end_year=2023, value=Decimal(50), expected_version=1, actor=jpo_admin)
    assert _year_2023(kpi).achievement == 90
    save_kpi(plan=kpi.plan, code=kpi.code, values={"decimals": 1}, current=kpi, actor=jpo_admin)
    assert _year_2023(kpi).achievement == Decimal("90.0")
    delete_rows(rows=[Actual.objects.get(kpi=kpi)], actor=jpo_admin)
    assert _year_2023(kpi).actual is None
    delete_rows(rows=[Target.objects.get(pk=target.pk)], actor=jpo_admin)
    assert not KpiFigure.objects.filter(kpi=kpi, view=FigureView.YEAR).exists()
    assert figures.verify() == []


def test_it_follows_a_plan_whose_years_change(make_kpi: Callable[..., Kpi], jpo_admin: Any) -> None:
    kpi = make_kpi(shape=Shape.QUALITATIVE)
    figures.refresh([kpi])

    save_plan(number=kpi.plan.number, values={"last_fiscal_year": 2026}, actor=jpo_admin)

    labels = KpiFigure.objects.filter(kpi=kpi, view=FigureView.YEAR).values_list("end_year", flat=True)
    assert list(labels) == [2023, 2024, 2025, 2026]
    assert figures.verify() == []


def test_a_bulk_write_refreshes_its_kpis_once_in_a_fixed_number_of_queries(
    make_kpi: Callable[..., Kpi], jpo_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    kpis = [make_kpi(targets={2023: 10, 2024: 10, 2025: 10}) for _ in range(8)]
    halves = [(y, h) for y in (2023, 2024, 2025) for h in ("H1", "H2")]
    calls: list[list[int]] = []
    refresh = figures.refresh

    def spy(of: Any) -> None:
        touched = list(of)
        calls.append(sorted({k.pk for k in touched}))
        refresh(touched)

    monkeypatch.setattr(figures, "refresh", spy)

    save_actuals(rows=[ActualValue(k, y, y, h, value=Decimal(5)) for k in kpis for y, h in halves], actor=jpo_admin)

    assert calls == [[k.pk for k in kpis]]
    assert figures.verify() == []
    assert _queries(lambda: refresh(kpis[:1])) == _queries(lambda: refresh(kpis)) == 6


def test_it_reports_a_changed_stored_figure(make_kpi: Callable[..., Kpi]) -> None:
    kpi = make_kpi(targets={2023: 60}, actuals={2023: 61})
    figures.refresh([kpi])
    KpiFigure.objects.filter(kpi=kpi, view=FigureView.YEAR).update(met=False, achievement=Decimal(99))

    [difference] = figures.verify()

    assert difference.kpi == kpi
    assert "achievement: Decimal('99.000000') → Decimal('102')" in difference.lines[0]
    assert "met: False → True" in difference.lines[0]


def test_it_reports_a_kpi_whose_figures_were_never_stored(make_kpi: Callable[..., Kpi]) -> None:
    kpi = make_kpi(targets={2023: 60}, actuals={2023: 61})

    [difference] = figures.verify()

    assert difference.kpi == kpi
    assert any("保存されていません" in line for line in difference.lines)


def _year_2023(kpi: Kpi) -> KpiFigure:
    return KpiFigure.objects.get(kpi=kpi, view=FigureView.YEAR, end_year=2023)


def _queries(write: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        write()
    return len(captured)


def test_the_plan_model_is_untouched_by_a_read(make_kpi: Callable[..., Kpi]) -> None:
    make_kpi(targets={2023: 60})
    figures.load(list(Kpi.objects.all()))
    assert Plan.objects.count() == 1 and not KpiFigure.objects.exists()


def test_the_dashboard_export_costs_the_same_queries_with_2_or_30_regional_kpis(
    client: Any, login: Any, views_data: Any, more_regional_kpis: Any, jpo_admin: Any
) -> None:
    login(client, jpo_admin)
    export = "/exports/plans/3/dashboard.xlsx"
    assert client.get(export).status_code == 200
    few = _queries(lambda: client.get(export))
    more_regional_kpis(28)

    assert _queries(lambda: client.get(export)) == few <= 12, few
