"""Business days of Japanese government offices (行政機関の休日に関する法律).

Closed: Saturdays, Sundays, national holidays (from the maintained `holidays` library, including
substitute holidays) and the year-end closure 12月29日～1月3日.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_year_end_closure(day: datetime.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _national_holidays(day.year) and not is_year_end_closure(day)


def holiday_name(day: datetime.date) -> str | None:
    """The Japanese name of a national holiday, or None."""
    name = holidays.country_holidays("JP", years=day.year, language="ja").get(day)
    return str(name) if name is not None else None


def previous_business_day(day: datetime.date) -> datetime.date:
    """The day itself if offices are open, else the last open day before it (a due date never falls on a holiday)."""
    while not is_business_day(day):
        day -= datetime.timedelta(days=1)
    return day


def next_business_day(day: datetime.date) -> datetime.date:
    while not is_business_day(day):
        day += datetime.timedelta(days=1)
    return day


def business_days_until(today: datetime.date, due: datetime.date) -> int:
    """Open days after today up to and including the due date; negative when the due date has passed."""
    if due >= today:
        return sum(1 for n in range(1, (due - today).days + 1) if is_business_day(today + datetime.timedelta(days=n)))
    return -sum(1 for n in range(0, (today - due).days) if is_business_day(due + datetime.timedelta(days=n + 1)))


def add_business_days(day: datetime.date, count: int) -> datetime.date:
    step = datetime.timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    while remaining:
        day += step
        if is_business_day(day):
            remaining -= 1
    return day
