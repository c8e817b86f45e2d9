"""和暦 (Japanese era) names for dates, months, calendar years and fiscal years.

Only dates from 1873-01-01 onwards are supported: Japan adopted the Gregorian
calendar on that day (明治6年1月1日), so earlier Gregorian dates do not map
cleanly onto the era calendar that was in use at the time.
"""

from dataclasses import dataclass
from datetime import date

__all__ = [
    "ERAS",
    "EARLIEST_SUPPORTED_DATE",
    "Era",
    "era_of_date",
    "era_of_year",
    "era_year_label",
    "wareki_date",
    "wareki_fiscal_year",
    "wareki_month",
    "wareki_year",
]


@dataclass(frozen=True)
class Era:
    """A Japanese era (元号) and the Gregorian date of its first day."""

    name: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("明治", date(1868, 1, 25)),
    Era("大正", date(1912, 7, 30)),
    Era("昭和", date(1926, 12, 25)),
    Era("平成", date(1989, 1, 8)),
    Era("令和", date(2019, 5, 1)),
)
"""All supported eras, oldest first."""

EARLIEST_SUPPORTED_DATE = date(1873, 1, 1)
"""Japan's adoption of the Gregorian calendar; earlier dates raise ``ValueError``."""


def _check_supported(day: date) -> None:
    if day < EARLIEST_SUPPORTED_DATE:
        raise ValueError(
            f"和暦 is only supported from {EARLIEST_SUPPORTED_DATE.isoformat()} "
            f"(Gregorian calendar adoption in Japan); got {day.isoformat()}"
        )


def _check_supported_year(year: int) -> None:
    if year < EARLIEST_SUPPORTED_DATE.year:
        raise ValueError(
            f"和暦 is only supported from the year {EARLIEST_SUPPORTED_DATE.year} "
            f"(Gregorian calendar adoption in Japan); got {year}"
        )


def _era_year(era: Era, year: int) -> int:
    return year - era.start.year + 1


def era_of_date(day: date) -> tuple[Era, int]:
    """Return the era in effect on ``day`` and the year number within it.

    >>> era_of_date(date(2019, 4, 30))[1], era_of_date(date(2019, 5, 1))[1]
    (31, 1)

    Raises ``ValueError`` for dates before 1873-01-01.
    """
    _check_supported(day)
    era = next(era for era in reversed(ERAS) if era.start <= day)
    return era, _era_year(era, day.year)


def era_of_year(year: int) -> tuple[Era, int]:
    """Return the era that names calendar ``year`` and the year number within it.

    A calendar year is named after the NEWEST era that began in or before it,
    so 2019 is 令和元年 (not 平成31年) and 1989 is 平成元年.

    Raises ``ValueError`` for years before 1873.
    """
    _check_supported_year(year)
    era = next(era for era in reversed(ERAS) if era.start.year <= year)
    return era, _era_year(era, year)


def era_year_label(era: Era, year: int) -> str:
    """Format a year of ``era``: year 1 is 元年 (``"令和元年"``), others are digits (``"令和5年"``)."""
    if year < 1:
        raise ValueError(f"An era year starts at 1; got {year}")
    return f"{era.name}{'元' if year == 1 else year}年"


def wareki_date(day: date) -> str:
    """Format ``day`` in 和暦, e.g. ``"令和元年5月1日"`` or ``"平成31年4月30日"``."""
    era, year = era_of_date(day)
    return f"{era_year_label(era, year)}{day.month}月{day.day}日"


def wareki_month(year: int, month: int) -> str:
    """Format a calendar month in 和暦, named after the era in effect on its first day.

    ``(2019, 4)`` is ``"平成31年4月"``, ``(2019, 5)`` is ``"令和元年5月"`` and
    ``(1989, 1)`` is ``"昭和64年1月"`` (平成 only began on January 8th).
    """
    if not 1 <= month <= 12:
        raise ValueError(f"A month runs from 1 to 12; got {month}")
    era, era_year = era_of_date(date(year, month, 1))
    return f"{era_year_label(era, era_year)}{month}月"


def wareki_year(year: int) -> str:
    """Name calendar ``year`` after the newest era that began in or before it.

    2019 is ``"令和元年"``, 1989 is ``"平成元年"``, 2018 is ``"平成30年"``.
    """
    era, era_year = era_of_year(year)
    return era_year_label(era, era_year)


def wareki_fiscal_year(fiscal_year: int) -> str:
    """Name the fiscal year (年度) starting in April of ``fiscal_year`` in 和暦.

    Follows the same rule as :func:`wareki_year`, which is the government's
    convention: fiscal 2019 is ``"令和元年度"``, 1988 is ``"昭和63年度"``,
    1989 is ``"平成元年度"``.
    """
    return f"{wareki_year(fiscal_year)}度"
