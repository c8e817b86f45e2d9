from datetime import date, timedelta

import pytest

from chizai.lib.fiscal import (
    Half,
    calendar_year_label,
    fiscal_year_end,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_start,
    fiscal_years,
    half_end,
    half_label,
    half_of,
    half_start,
    period_label,
)


def test_it_codes_halves_as_h1_and_h2():
    assert Half.FIRST == "H1"
    assert Half.SECOND == "H2"
    assert Half("H2") is Half.SECOND
    assert list(Half) == [Half.FIRST, Half.SECOND]


@pytest.mark.parametrize(("half", "label"), [(Half.FIRST, "上期"), (Half.SECOND, "下期")])
def test_it_labels_halves_in_japanese(half, label):
    assert half.label == label


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2023, 4, 1), 2023),
        (date(2023, 9, 30), 2023),
        (date(2023, 12, 31), 2023),
        (date(2024, 1, 1), 2023),
        (date(2024, 2, 29), 2023),
        (date(2024, 3, 31), 2023),
        (date(2024, 4, 1), 2024),
        (date(2019, 4, 30), 2019),
        (date(2019, 5, 1), 2019),
    ],
)
def test_it_finds_the_fiscal_year_of_a_day(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(("fiscal_year", "start"), [(2023, date(2023, 4, 1)), (1989, date(1989, 4, 1))])
def test_it_starts_a_fiscal_year_on_april_first(fiscal_year, start):
    assert fiscal_year_start(fiscal_year) == start


@pytest.mark.parametrize(("fiscal_year", "end"), [(2023, date(2024, 3, 31)), (2019, date(2020, 3, 31))])
def test_it_ends_a_fiscal_year_on_march_thirty_first_of_the_next_year(fiscal_year, end):
    assert fiscal_year_end(fiscal_year) == end


@pytest.mark.parametrize("fiscal_year", [2019, 2023, 2024])
def test_it_places_a_fiscal_years_bounds_inside_it_and_neighbours_outside(fiscal_year):
    start, end = fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year)
    assert fiscal_year_of(start) == fiscal_year
    assert fiscal_year_of(end) == fiscal_year
    assert fiscal_year_of(start - timedelta(days=1)) == fiscal_year - 1
    assert fiscal_year_of(end + timedelta(days=1)) == fiscal_year + 1


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 3, 31), (2022, Half.SECOND)),
        (date(2023, 4, 1), (2023, Half.FIRST)),
        (date(2023, 6, 15), (2023, Half.FIRST)),
        (date(2023, 9, 30), (2023, Half.FIRST)),
        (date(2023, 10, 1), (2023, Half.SECOND)),
        (date(2023, 12, 31), (2023, Half.SECOND)),
        (date(2024, 1, 1), (2023, Half.SECOND)),
        (date(2024, 1, 15), (2023, Half.SECOND)),
        (date(2024, 3, 31), (2023, Half.SECOND)),
        (date(2024, 4, 1), (2024, Half.FIRST)),
    ],
)
def test_it_finds_the_half_of_a_day(day, expected):
    assert half_of(day) == expected


@pytest.mark.parametrize(
    ("fiscal_year", "half", "start", "end"),
    [
        (2023, Half.FIRST, date(2023, 4, 1), date(2023, 9, 30)),
        (2023, Half.SECOND, date(2023, 10, 1), date(2024, 3, 31)),
        (2019, Half.FIRST, date(2019, 4, 1), date(2019, 9, 30)),
        (2019, Half.SECOND, date(2019, 10, 1), date(2020, 3, 31)),
    ],
)
def test_it_gives_the_first_and_last_day_of_a_half(fiscal_year, half, start, end):
    assert half_start(fiscal_year, half) == start
    assert half_end(fiscal_year, half) == end


@pytest.mark.parametrize("fiscal_year", [2022, 2023, 2024])
def test_it_splits_a_fiscal_year_into_two_adjacent_halves(fiscal_year):
    assert half_start(fiscal_year, Half.FIRST) == fiscal_year_start(fiscal_year)
    assert half_end(fiscal_year, Half.FIRST) + timedelta(days=1) == half_start(fiscal_year, Half.SECOND)
    assert half_end(fiscal_year, Half.SECOND) == fiscal_year_end(fiscal_year)


@pytest.mark.parametrize("half", list(Half))
def test_it_places_a_halfs_bounds_inside_it(half):
    assert half_of(half_start(2023, half)) == (2023, half)
    assert half_of(half_end(2023, half)) == (2023, half)


def test_it_puts_every_day_of_a_fiscal_year_in_exactly_one_half():
    day = fiscal_year_start(2023)
    while day <= fiscal_year_end(2023):
        fiscal_year, half = half_of(day)
        assert fiscal_year == 2023
        assert half_start(2023, half) <= day <= half_end(2023, half)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("first", "last", "years"),
    [
        (2020, 2022, [2020, 2021, 2022]),
        (2023, 2023, [2023]),
        (2018, 2019, [2018, 2019]),
    ],
)
def test_it_lists_fiscal_years_inclusively(first, last, years):
    assert fiscal_years(first, last) == years


def test_it_refuses_a_fiscal_year_range_that_runs_backwards():
    with pytest.raises(ValueError):
        fiscal_years(2023, 2022)


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2023, "2023年度（令和5年度）"),
        (2019, "2019年度（令和元年度）"),
        (2018, "2018年度（平成30年度）"),
        (1989, "1989年度（平成元年度）"),
        (1988, "1988年度（昭和63年度）"),
    ],
)
def test_it_labels_a_fiscal_year_with_seireki_first_and_wareki_in_parentheses(fiscal_year, label):
    assert fiscal_year_label(fiscal_year) == label


@pytest.mark.parametrize(
    ("fiscal_year", "half", "label"),
    [
        (2023, Half.FIRST, "2023年度上期（令和5年度上期）"),
        (2023, Half.SECOND, "2023年度下期（令和5年度下期）"),
        (2019, Half.FIRST, "2019年度上期（令和元年度上期）"),
    ],
)
def test_it_labels_a_half(fiscal_year, half, label):
    assert half_label(fiscal_year, half) == label


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2022, "2022年（令和4年）"),
        (2019, "2019年（令和元年）"),
        (2018, "2018年（平成30年）"),
        (1989, "1989年（平成元年）"),
    ],
)
def test_it_labels_a_calendar_year(year, label):
    assert calendar_year_label(year) == label


@pytest.mark.parametrize("label", [fiscal_year_label, calendar_year_label])
def test_it_refuses_to_label_years_before_1873(label):
    with pytest.raises(ValueError):
        label(1872)


@pytest.mark.parametrize(
    ("start", "end", "calendar", "label"),
    [
        (2023, 2023, False, "2023年度"),
        (2020, 2022, False, "2020～2022年度"),
        (2022, 2023, False, "2022～2023年度"),
        (2018, 2018, True, "2018年"),
        (2020, 2022, True, "2020～2022年"),
    ],
)
def test_it_labels_a_period_in_short_seireki(start, end, calendar, label):
    assert period_label(start, end, calendar=calendar) == label


def test_it_labels_a_period_as_fiscal_years_by_default():
    assert period_label(2020, 2022) == "2020～2022年度"


def test_it_separates_a_periods_years_with_a_full_width_tilde():
    assert "\uff5e" in period_label(2020, 2022)


def test_it_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError):
        period_label(2023, 2022)


def test_it_accepts_calendar_only_as_a_keyword():
    with pytest.raises(TypeError):
        period_label(2020, 2022, True)  # type: ignore[misc]
