"""The one rule for showing dates on screens: 2026年12月2日, and with the time 2026年12月2日 14:05.

Fiscal years keep their own rule (西暦 with 和暦 beside it: 2026年度（令和8年度）, `chizai.lib.fiscal`).
Exports for spreadsheets keep 2026/12/02, which Excel reads as a date. Datetimes are given in local time.
"""

from __future__ import annotations

import datetime


def date_label(value: datetime.date | None) -> str:
    """2026年12月2日; empty for no date."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def month_label(value: datetime.date | None) -> str:
    """2026年12月, for what is known only to the month (an anonymised answer's time); empty for no date."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月"


def datetime_label(value: datetime.datetime | None, *, seconds: bool = False) -> str:
    """2026年12月2日 14:05 (14:05:09 with seconds, for the audit log); empty for no datetime."""
    if value is None:
        return ""
    return f"{date_label(value)} {value:%H:%M:%S}" if seconds else f"{date_label(value)} {value:%H:%M}"


def similarity_label(score: float | None) -> str:
    """A similarity score 0..1 in words with its percentage: よく似ている（62%）."""
    if score is None:
        return ""
    percent = round(score * 100)
    words = "よく似ている" if score >= 0.5 else "やや似ている" if score >= 0.2 else "少し似ている"
    return f"{words}（{percent}%）"
