"""The range of dates the system accepts: every date it accepts is one it can show (西暦 and 和暦, 年度).

和暦 is defined from 明治6年 (1873), when Japan adopted the Gregorian calendar; the plan's data begins long
after. The range below is wide enough for any real record (a company founded in 1900, a deadline in 2099) and
narrow enough that every page, export and fiscal-year computation can show it.
"""

from __future__ import annotations

import datetime

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2099, 12, 31)
OUT_OF_RANGE_MESSAGE = "日付は1900年1月1日から2099年12月31日までの範囲で入力してください。"


def is_displayable(value: datetime.date) -> bool:
    """Whether the date lies in the range the system accepts and shows."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return EARLIEST <= value <= LATEST
