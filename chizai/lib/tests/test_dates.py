import datetime

from chizai.lib.dates import EARLIEST, LATEST, is_displayable
from chizai.lib.wareki import wareki_date


def test_it_accepts_the_bounds_and_refuses_what_lies_beyond():
    assert is_displayable(EARLIEST) and is_displayable(LATEST)
    assert not is_displayable(EARLIEST - datetime.timedelta(days=1))
    assert not is_displayable(LATEST + datetime.timedelta(days=1))
    assert not is_displayable(datetime.date(1000, 1, 1))
    assert not is_displayable(datetime.date(1, 1, 1))


def test_it_accepts_only_dates_that_wareki_can_show():
    assert wareki_date(EARLIEST) == "明治33年1月1日"
    assert wareki_date(LATEST).startswith("令和")
