"""How the case pages and exports name dates and fiscal years: 西暦 with 和暦 beside it.

The system accepts only dates it can show (`chizai.lib.dates`), but a row written before that rule may hold
one 和暦 cannot name (before 1873): it is shown in 西暦 alone, so that one such row never breaks a page or an
export for everyone.
"""

from __future__ import annotations

import datetime

from chizai.lib.dates import is_displayable
from chizai.lib.wareki import EARLIEST_SUPPORTED_DATE, wareki_date, wareki_fiscal_year


def wareki_or_blank(day: datetime.date | None) -> str:
    """The 和暦 of a date; blank for no date, or for a date of a legacy row outside the displayable range
    (the page shows it in 西暦 only rather than fail)."""
    return wareki_date(day) if day is not None and is_displayable(day) else ""


def fiscal_year_wareki(year: int) -> str:
    """令和7年度; blank for a legacy fiscal year 和暦 cannot name."""
    return wareki_fiscal_year(year) if year >= EARLIEST_SUPPORTED_DATE.year else ""


def fiscal_year_label(year: int) -> str:
    """2025年度（令和7年度）; the 西暦 alone for a legacy year 和暦 cannot name."""
    wareki = fiscal_year_wareki(year)
    return f"{year}年度" + (f"（{wareki}）" if wareki else "")


def date_label(day: datetime.date | None) -> str:
    """2025年10月1日（令和7年10月1日）; empty when there is no date."""
    if day is None:
        return ""
    wareki = wareki_or_blank(day)
    return f"{day.year}年{day.month}月{day.day}日" + (f"（{wareki}）" if wareki else "")
