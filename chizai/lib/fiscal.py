"""The Japanese fiscal calendar: a fiscal year (年度) runs from April 1st to March 31st.

A fiscal year is identified by the calendar year in which it starts, so
fiscal 2023 runs from 2023-04-01 to 2024-03-31. It splits into two halves
(半期): 上期 (April–September) and 下期 (October–March).
"""

from datetime import date
from enum import StrEnum

from chizai.lib.wareki import wareki_fiscal_year, wareki_year

__all__ = [
    "FISCAL_YEAR_START_MONTH",
    "Half",
    "calendar_year_label",
    "fiscal_year_end",
    "fiscal_year_label",
    "fiscal_year_of",
    "fiscal_year_start",
    "fiscal_years",
    "half_end",
    "half_label",
    "half_of",
    "half_start",
    "period_label",
]

FISCAL_YEAR_START_MONTH = 4
"""The fiscal year starts in April."""

_SECOND_HALF_START_MONTH = 10


class Half(StrEnum):
    """A half of a fiscal year (半期)."""

    FIRST = "H1"
    """上期: April–September."""
    SECOND = "H2"
    """下期: October–March of the following calendar year."""

    @property
    def label(self) -> str:
        """The Japanese name: ``"上期"`` or ``"下期"``."""
        return "上期" if self is Half.FIRST else "下期"


def fiscal_year_of(day: date) -> int:
    """Return the fiscal year containing ``day``: 2024-03-31 is in 2023, 2024-04-01 in 2024."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_start(fiscal_year: int) -> date:
    """Return the first day of ``fiscal_year``: 2023 starts on 2023-04-01."""
    return date(fiscal_year, FISCAL_YEAR_START_MONTH, 1)


def fiscal_year_end(fiscal_year: int) -> date:
    """Return the last day of ``fiscal_year``: 2023 ends on 2024-03-31."""
    return date(fiscal_year + 1, 3, 31)


def half_of(day: date) -> tuple[int, Half]:
    """Return the fiscal year and half containing ``day``.

    2023-10-01 and 2024-01-15 are both in ``(2023, Half.SECOND)``.
    """
    fiscal_year = fiscal_year_of(day)
    if FISCAL_YEAR_START_MONTH <= day.month < _SECOND_HALF_START_MONTH:
        return fiscal_year, Half.FIRST
    return fiscal_year, Half.SECOND


def half_start(fiscal_year: int, half: Half) -> date:
    """Return the first day of a half: 上期 starts on April 1st, 下期 on October 1st."""
    if half is Half.FIRST:
        return fiscal_year_start(fiscal_year)
    return date(fiscal_year, _SECOND_HALF_START_MONTH, 1)


def half_end(fiscal_year: int, half: Half) -> date:
    """Return the last day of a half: ``(2023, FIRST)`` ends 2023-09-30, ``(2023, SECOND)`` 2024-03-31."""
    if half is Half.FIRST:
        return date(fiscal_year, _SECOND_HALF_START_MONTH - 1, 30)
    return fiscal_year_end(fiscal_year)


def fiscal_years(first: int, last: int) -> list[int]:
    """Return the fiscal years from ``first`` to ``last`` inclusive; ``ValueError`` if ``last < first``."""
    if last < first:
        raise ValueError(f"The last fiscal year ({last}) is before the first ({first})")
    return list(range(first, last + 1))


def fiscal_year_label(fiscal_year: int) -> str:
    """Label a fiscal year, 西暦 first and 和暦 in full-width parentheses: ``"2023年度（令和5年度）"``."""
    return f"{fiscal_year}年度（{wareki_fiscal_year(fiscal_year)}）"


def half_label(fiscal_year: int, half: Half) -> str:
    """Label a half of a fiscal year: ``"2023年度上期（令和5年度上期）"``."""
    return f"{fiscal_year}年度{half.label}（{wareki_fiscal_year(fiscal_year)}{half.label}）"


def calendar_year_label(year: int) -> str:
    """Label a calendar year, 西暦 first and 和暦 in full-width parentheses: ``"2022年（令和4年）"``."""
    return f"{year}年（{wareki_year(year)}）"


def period_label(start: int, end: int, *, calendar: bool = False) -> str:
    """Label a span of fiscal years (or calendar years) in short 西暦 form for report lines.

    One year gives ``"2023年度"``, a range ``"2020～2022年度"`` (full-width tilde).
    With ``calendar=True`` the suffix is 年: ``"2018年"``, ``"2020～2022年"``.
    No 和暦 is added. Raises ``ValueError`` if ``end < start``.
    """
    if end < start:
        raise ValueError(f"The period ends ({end}) before it starts ({start})")
    suffix = "年" if calendar else "年度"
    if start == end:
        return f"{start}{suffix}"
    return f"{start}～{end}{suffix}"
