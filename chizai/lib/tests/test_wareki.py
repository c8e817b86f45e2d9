from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from chizai.lib.wareki import (
    EARLIEST_SUPPORTED_DATE,
    ERAS,
    Era,
    era_of_date,
    era_of_year,
    era_year_label,
    wareki_date,
    wareki_fiscal_year,
    wareki_month,
    wareki_year,
)

MEIJI, TAISHO, SHOWA, HEISEI, REIWA = ERAS


def test_it_lists_the_five_modern_eras_oldest_first():
    assert [era.name for era in ERAS] == ["明治", "大正", "昭和", "平成", "令和"]
    assert [era.start for era in ERAS] == sorted(era.start for era in ERAS)


@pytest.mark.parametrize(
    ("era", "start"),
    [
        (MEIJI, date(1868, 1, 25)),
        (TAISHO, date(1912, 7, 30)),
        (SHOWA, date(1926, 12, 25)),
        (HEISEI, date(1989, 1, 8)),
        (REIWA, date(2019, 5, 1)),
    ],
)
def test_it_starts_each_era_on_its_official_day(era, start):
    assert era.start == start


def test_it_makes_eras_immutable():
    with pytest.raises(FrozenInstanceError):
        REIWA.name = "x"  # type: ignore[misc]


def test_it_compares_eras_by_value():
    assert Era("令和", date(2019, 5, 1)) == REIWA


def test_it_supports_dates_from_the_gregorian_calendar_adoption():
    assert EARLIEST_SUPPORTED_DATE == date(1873, 1, 1)


@pytest.mark.parametrize(
    ("day", "era", "year"),
    [
        (date(1873, 1, 1), MEIJI, 6),
        (date(1912, 7, 29), MEIJI, 45),
        (date(1912, 7, 30), TAISHO, 1),
        (date(1926, 12, 24), TAISHO, 15),
        (date(1926, 12, 25), SHOWA, 1),
        (date(1927, 1, 1), SHOWA, 2),
        (date(1989, 1, 7), SHOWA, 64),
        (date(1989, 1, 8), HEISEI, 1),
        (date(1990, 1, 1), HEISEI, 2),
        (date(2019, 4, 30), HEISEI, 31),
        (date(2019, 5, 1), REIWA, 1),
        (date(2019, 12, 31), REIWA, 1),
        (date(2020, 1, 1), REIWA, 2),
        (date(2023, 6, 15), REIWA, 5),
        (date(2026, 1, 1), REIWA, 8),
    ],
)
def test_it_finds_the_era_in_effect_on_a_date(day, era, year):
    assert era_of_date(day) == (era, year)


@pytest.mark.parametrize("day", [date(1872, 12, 31), date(1868, 1, 25), date(1, 1, 1)])
def test_it_refuses_dates_before_the_gregorian_calendar_adoption(day):
    with pytest.raises(ValueError, match="1873-01-01"):
        era_of_date(day)


def test_it_names_the_refused_date_in_the_error():
    with pytest.raises(ValueError, match="1872-12-31"):
        era_of_date(date(1872, 12, 31))


@pytest.mark.parametrize(
    ("era", "year", "label"),
    [
        (REIWA, 1, "令和元年"),
        (REIWA, 2, "令和2年"),
        (REIWA, 5, "令和5年"),
        (HEISEI, 1, "平成元年"),
        (HEISEI, 31, "平成31年"),
        (SHOWA, 64, "昭和64年"),
        (MEIJI, 45, "明治45年"),
    ],
)
def test_it_labels_an_era_year_with_gannen_for_the_first(era, year, label):
    assert era_year_label(era, year) == label


@pytest.mark.parametrize("year", [0, -1])
def test_it_refuses_an_era_year_below_one(year):
    with pytest.raises(ValueError):
        era_year_label(REIWA, year)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(1873, 1, 1), "明治6年1月1日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(2024, 12, 31), "令和6年12月31日"),
    ],
)
def test_it_formats_a_date_in_wareki(day, label):
    assert wareki_date(day) == label


def test_it_refuses_to_format_a_date_before_1873():
    with pytest.raises(ValueError):
        wareki_date(date(1872, 12, 31))


@pytest.mark.parametrize(
    ("year", "month", "label"),
    [
        (1873, 1, "明治6年1月"),
        (1912, 7, "明治45年7月"),
        (1912, 8, "大正元年8月"),
        (1926, 12, "大正15年12月"),
        (1927, 1, "昭和2年1月"),
        (1988, 12, "昭和63年12月"),
        (1989, 1, "昭和64年1月"),
        (1989, 2, "平成元年2月"),
        (2019, 3, "平成31年3月"),
        (2019, 4, "平成31年4月"),
        (2019, 5, "令和元年5月"),
        (2019, 12, "令和元年12月"),
        (2020, 1, "令和2年1月"),
    ],
)
def test_it_names_a_month_after_the_era_on_its_first_day(year, month, label):
    assert wareki_month(year, month) == label


@pytest.mark.parametrize("month", [0, 13, -1])
def test_it_refuses_a_month_outside_one_to_twelve(month):
    with pytest.raises(ValueError, match="month"):
        wareki_month(2023, month)


def test_it_refuses_a_month_before_1873():
    with pytest.raises(ValueError, match="1873"):
        wareki_month(1872, 12)


@pytest.mark.parametrize(
    ("year", "era", "era_year"),
    [
        (1873, MEIJI, 6),
        (1911, MEIJI, 44),
        (1912, TAISHO, 1),
        (1925, TAISHO, 14),
        (1926, SHOWA, 1),
        (1988, SHOWA, 63),
        (1989, HEISEI, 1),
        (2018, HEISEI, 30),
        (2019, REIWA, 1),
        (2020, REIWA, 2),
    ],
)
def test_it_names_a_calendar_year_after_the_newest_era_begun_in_it(year, era, era_year):
    assert era_of_year(year) == (era, era_year)


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (1873, "明治6年"),
        (1911, "明治44年"),
        (1912, "大正元年"),
        (1925, "大正14年"),
        (1926, "昭和元年"),
        (1927, "昭和2年"),
        (1988, "昭和63年"),
        (1989, "平成元年"),
        (1990, "平成2年"),
        (2018, "平成30年"),
        (2019, "令和元年"),
        (2020, "令和2年"),
        (2022, "令和4年"),
        (2026, "令和8年"),
    ],
)
def test_it_labels_a_calendar_year(year, label):
    assert wareki_year(year) == label


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (1988, "昭和63年度"),
        (1989, "平成元年度"),
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (2023, "令和5年度"),
        (2025, "令和7年度"),
        (1912, "大正元年度"),
        (1926, "昭和元年度"),
    ],
)
def test_it_labels_a_fiscal_year_like_the_government_does(fiscal_year, label):
    assert wareki_fiscal_year(fiscal_year) == label


@pytest.mark.parametrize("function", [wareki_year, wareki_fiscal_year, era_of_year])
def test_it_refuses_years_before_1873(function):
    with pytest.raises(ValueError, match="1873"):
        function(1872)
