from datetime import date

import pytest

from chizai.lib.business_days import (
    add_business_days,
    business_days_until,
    holiday_name,
    is_business_day,
    is_year_end_closure,
    next_business_day,
    previous_business_day,
)


@pytest.mark.parametrize("day", [date(2026, 10, 31), date(2026, 11, 1)])
def test_it_closes_offices_on_weekends(day):
    assert not is_business_day(day)


def test_it_opens_offices_on_an_ordinary_weekday():
    assert is_business_day(date(2026, 10, 30))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 12), "成人の日"),
        (date(2026, 11, 3), "文化の日"),
        (date(2026, 4, 29), "昭和の日"),
    ],
)
def test_it_closes_offices_on_national_holidays(day, name):
    assert not is_business_day(day)
    assert holiday_name(day) == name


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 2, 12),  # 建国記念の日 fell on a Sunday
        date(2025, 5, 6),  # みどりの日 on a Sunday pushes the substitute past こどもの日
        date(2029, 4, 30),  # 昭和の日 on a Sunday
    ],
)
def test_it_closes_offices_on_substitute_holidays(day):
    assert not is_business_day(day)
    assert holiday_name(day) == "振替休日"


@pytest.mark.parametrize("day", [date(2026, 9, 22), date(2019, 5, 2)])
def test_it_closes_offices_on_a_citizens_holiday_between_two_holidays(day):
    assert not is_business_day(day)
    assert holiday_name(day) == "国民の休日"


@pytest.mark.parametrize(
    "day", [date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 2), date(2027, 1, 3)]
)
def test_it_closes_offices_over_the_year_end_closure(day):
    assert is_year_end_closure(day)
    assert not is_business_day(day)


def test_it_reopens_offices_after_the_year_end_closure():
    assert is_business_day(date(2026, 12, 28))
    assert is_business_day(date(2027, 1, 4))
    assert not is_year_end_closure(date(2027, 1, 4))


def test_it_says_an_ordinary_day_has_no_holiday_name():
    assert holiday_name(date(2026, 10, 30)) is None


@pytest.mark.parametrize(
    ("due", "moved_to"),
    [
        (date(2026, 10, 31), date(2026, 10, 30)),  # a Saturday → the Friday
        (date(2029, 4, 30), date(2029, 4, 27)),  # 振替休日 on Monday → the Friday before
        (date(2026, 5, 6), date(2026, 5, 1)),  # the end of Golden Week → the Friday before it
        (date(2027, 1, 3), date(2026, 12, 28)),  # the year-end closure → the last open day of the year
        (date(2026, 10, 30), date(2026, 10, 30)),  # an open day stays
    ],
)
def test_it_moves_a_due_date_back_to_the_previous_business_day(due, moved_to):
    assert previous_business_day(due) == moved_to


def test_it_moves_forward_to_the_next_business_day():
    assert next_business_day(date(2026, 12, 29)) == date(2027, 1, 4)
    assert next_business_day(date(2026, 10, 30)) == date(2026, 10, 30)


def test_it_counts_business_days_left_across_golden_week():
    # 4/29 昭和の日, 5/2–5/3 weekend, 5/4–5/6 holidays: left are 4/30, 5/1, 5/7, 5/8.
    assert business_days_until(date(2026, 4, 28), date(2026, 5, 8)) == 4


def test_it_counts_zero_business_days_on_the_due_date():
    assert business_days_until(date(2026, 10, 30), date(2026, 10, 30)) == 0


def test_it_counts_one_business_day_on_the_day_before():
    assert business_days_until(date(2026, 10, 29), date(2026, 10, 30)) == 1


def test_it_counts_negative_business_days_once_overdue():
    # Due Friday 10/30; 11/2 (Mon) and 11/4 (Wed) have passed, 11/3 is 文化の日.
    assert business_days_until(date(2026, 11, 4), date(2026, 10, 30)) == -2


def test_it_counts_no_business_day_lost_over_the_weekend_after_the_due_date():
    assert business_days_until(date(2026, 11, 1), date(2026, 10, 30)) == 0


@pytest.mark.parametrize(
    ("start", "count", "result"),
    [
        (date(2026, 4, 28), 2, date(2026, 5, 1)),
        (date(2026, 5, 7), -2, date(2026, 4, 30)),
        (date(2026, 10, 30), 0, date(2026, 10, 30)),
    ],
)
def test_it_adds_business_days_skipping_closed_days(start, count, result):
    assert add_business_days(start, count) == result
