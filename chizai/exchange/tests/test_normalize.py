"""Cell values as Japanese offices type them: each accepted spelling, and the Japanese message of a refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from chizai.exchange.normalize import (
    OrganizationResolver,
    clean_text,
    header_key,
    parse_fiscal_year,
    parse_period,
    parse_quantity,
    parse_shape,
)
from chizai.organizations.models import Organization, OrganizationKind

# --- header_key and clean_text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["KPI名", "ＫＰＩ名", " KPI 名 ", "KPI\u3000名", "KPI\n名", "【KPI名】", "［ＫＰＩ名］", "（KPI名）"],
)
def test_it_matches_a_heading_however_it_is_spaced_or_bracketed(typed: str) -> None:
    assert header_key(typed) == header_key("KPI名") == "KPI名"


def test_it_keeps_different_headings_different() -> None:
    assert header_key("目標値") != header_key("目標年度")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  相談件数\u3000", "相談件数"),
        ("\n東京都\r\n", "東京都"),
        (5, "5"),
        (5.0, "5"),
        (12.5, "12.5"),
        (Decimal("12.50"), "12.5"),
        (datetime.datetime(2023, 4, 1), "2023-04-01"),
    ],
)
def test_it_reads_the_text_of_a_cell(value: Any, text: str) -> None:
    assert clean_text(value) == text


def test_it_keeps_the_inner_text_of_a_name_as_typed() -> None:
    # NFKC would turn ＫＰＩ into KPI and ｶﾀｶﾅ into カタカナ: a name stays exactly as its office wrote it
    assert clean_text(" ＫＰＩ　ｶﾀｶﾅの件数 ") == "ＫＰＩ　ｶﾀｶﾅの件数"


# --- parse_quantity -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1,234件", Decimal(1234)),
        ("1,234 件", Decimal(1234)),
        ("15%", Decimal(15)),
        ("15 ％", Decimal(15)),
        ("１２３", Decimal(123)),
        ("１，２３４．５", Decimal("1234.5")),
        ("△5", Decimal(-5)),
        ("▲5", Decimal(-5)),
        ("12.5", Decimal("12.5")),
        ("  42\u3000", Decimal(42)),
        (7, Decimal(7)),
        (0.1, Decimal("0.1")),
        (2.5, Decimal("2.5")),
        (Decimal("3.25"), Decimal("3.25")),
    ],
)
def test_it_reads_a_quantity_as_typed(typed: Any, number: Decimal) -> None:
    assert parse_quantity(typed) == number


def test_it_reads_a_float_through_its_text_not_its_binary_value() -> None:
    assert str(parse_quantity(0.1)) == "0.1"


@pytest.mark.parametrize("typed", [None, "", "  ", "-", "－", "―", "—"])
def test_it_reads_an_empty_cell_or_a_lone_dash_as_no_figure(typed: Any) -> None:
    assert parse_quantity(typed) is None


@pytest.mark.parametrize("typed", ["abc", "12kg", "1e5", "12,34", "約100", float("nan")])
def test_it_refuses_a_quantity_it_cannot_read_in_japanese(typed: Any) -> None:
    with pytest.raises(ValueError, match="数値として読み取れません"):
        parse_quantity(typed)


def test_it_names_the_typed_value_in_the_quantity_error() -> None:
    with pytest.raises(ValueError, match="「約100」"):
        parse_quantity("約100")


# --- parse_fiscal_year --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fiscal_year"),
    [
        (2023, 2023),
        (2023.0, 2023),
        ("2023", 2023),
        ("２０２３", 2023),
        ("2023年度", 2023),
        ("2023年", 2023),
        ("FY2023", 2023),
        ("fy2023", 2023),
        ("令和5年度", 2023),
        ("令和５年度", 2023),
        ("令和 5 年度", 2023),
        ("令和元年度", 2019),
        ("R5", 2023),
        ("R5年度", 2023),
        ("r5", 2023),
        ("Ｒ５", 2023),
        ("令5", 2023),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("H31年度", 2019),
        ("平成元年度", 1989),
    ],
)
def test_it_reads_a_fiscal_year_as_typed(typed: Any, fiscal_year: int) -> None:
    assert parse_fiscal_year(typed) == fiscal_year


@pytest.mark.parametrize(
    ("typed", "fiscal_year"),
    [
        (datetime.date(2023, 4, 1), 2023),
        (datetime.date(2024, 3, 31), 2023),
        (datetime.datetime(2024, 4, 1, 9, 30), 2024),
        ("令和5年4月1日", 2023),
        ("令和6年3月31日", 2023),
        ("2023/4/1", 2023),
        ("2024/3/31", 2023),
        ("2023-04-01", 2023),
        ("2023年4月1日", 2023),
        ("２０２３年４月１日", 2023),
        ("R6.1.15", 2023),
    ],
)
def test_it_reads_a_date_as_the_fiscal_year_containing_it(typed: Any, fiscal_year: int) -> None:
    assert parse_fiscal_year(typed) == fiscal_year


@pytest.mark.parametrize("typed", ["令和x年", "来年度", "23", "2023.5", 2023.5, "年度", True])
def test_it_refuses_a_fiscal_year_it_cannot_read_in_japanese(typed: Any) -> None:
    with pytest.raises(ValueError, match="年度として読み取れません"):
        parse_fiscal_year(typed)


@pytest.mark.parametrize("typed", [1988, "2101", "S63", 45017])
def test_it_refuses_a_fiscal_year_out_of_range(typed: Any) -> None:
    with pytest.raises(ValueError, match="年度が範囲外です"):
        parse_fiscal_year(typed)


def test_it_refuses_an_impossible_date() -> None:
    with pytest.raises(ValueError, match="日付として正しくありません: 「2023/2/30」"):
        parse_fiscal_year("2023/2/30")


def test_it_says_when_the_fiscal_year_is_empty() -> None:
    with pytest.raises(ValueError, match="年度が空欄です"):
        parse_fiscal_year("  ")


# --- parse_period -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_cell", "period_cell", "period"),
    [
        (None, "2023上期", (2023, "H1")),
        ("", "2023年度上期", (2023, "H1")),
        (None, "令和5年度下期", (2023, "H2")),
        (None, "R5上期", (2023, "H1")),
        (None, "2023H1", (2023, "H1")),
        (None, "2023h2", (2023, "H2")),
        (None, "2023年度 上半期", (2023, "H1")),
        (None, "２０２３年度　下半期", (2023, "H2")),
        (None, "2023年度", (2023, "FY")),
        (None, "令和5年度通期", (2023, "FY")),
    ],
)
def test_it_reads_the_year_from_the_period_cell(year_cell: Any, period_cell: Any, period: tuple[int, str]) -> None:
    assert parse_period(year_cell, period_cell) == period


@pytest.mark.parametrize(
    ("period_cell", "half"),
    [
        ("上期", "H1"),
        ("上半期", "H1"),
        ("前期", "H1"),
        ("下期", "H2"),
        ("下半期", "H2"),
        ("後期", "H2"),
        ("通期", "FY"),
        ("年度", "FY"),
        ("年間", "FY"),
        ("", "FY"),
        (None, "FY"),
        (" 上期 ", "H1"),
    ],
)
def test_it_reads_the_half_alone_and_takes_the_year_from_the_year_cell(period_cell: Any, half: str) -> None:
    assert parse_period("令和5年度", period_cell) == (2023, half)


def test_it_accepts_a_year_in_both_cells_when_they_agree() -> None:
    assert parse_period("R5", "2023上期") == (2023, "H1")


def test_it_refuses_a_year_cell_and_a_period_cell_that_disagree() -> None:
    with pytest.raises(ValueError, match="年度 「2024」 と期 「2023上期」 の年度が一致しません"):
        parse_period("2024", "2023上期")


def test_it_refuses_a_period_without_any_year() -> None:
    with pytest.raises(ValueError, match="年度が空欄です"):
        parse_period(None, "上期")
    with pytest.raises(ValueError, match="年度が空欄です"):
        parse_period("", "")


def test_it_refuses_a_period_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="期として読み取れません: 「第3四半期」"):
        parse_period("2023", "第3四半期")


# --- parse_shape --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shape"),
    [
        ("毎年度", "per_period"),
        ("年度ごと", "per_period"),
        ("単年度", "per_period"),
        ("各年度", "per_period"),
        ("期間ごとの目標", "per_period"),
        ("フロー", "per_period"),
        ("累計", "cumulative"),
        ("期間累計", "cumulative"),
        ("計画期間累計", "cumulative"),
        ("総数", "stock"),
        ("ストック", "stock"),
        ("総数（ストック）", "stock"),
        ("総数(ストック)", "stock"),
        ("時点の総数", "stock"),
        ("累計（総数）", "stock"),
        ("累計（時点の総数）", "stock"),
        ("割合", "ratio"),
        ("比率", "ratio"),
        ("率", "ratio"),
        ("割合（しきい値）", "ratio"),
        ("基準値→目標値", "baseline_target"),
        ("基準値から目標値", "baseline_target"),
        ("基準→目標", "baseline_target"),
        ("基準値->目標値", "baseline_target"),
        ("基準値 → 目標値", "baseline_target"),
        ("定性", "qualitative"),
        ("定性目標", "qualitative"),
        ("定性的", "qualitative"),
        ("per_period", "per_period"),
        ("Baseline_Target", "baseline_target"),
        (" 累 計 ", "cumulative"),
    ],
)
def test_it_reads_a_shape_as_typed(typed: str, shape: str) -> None:
    assert parse_shape(typed) == shape


def test_it_reads_every_label_it_writes_in_templates_and_exports() -> None:
    from chizai.exchange.columns import SHAPE_LABELS

    assert {parse_shape(label) for label in SHAPE_LABELS.values()} == set(SHAPE_LABELS)


def test_it_refuses_an_unknown_shape_listing_the_choices() -> None:
    with pytest.raises(ValueError, match="形式として読み取れません: 「目標」（毎年度 / 累計 /"):
        parse_shape("目標")


def test_it_says_when_the_shape_is_empty() -> None:
    with pytest.raises(ValueError, match="形式が空欄です"):
        parse_shape(None)


# --- OrganizationResolver -----------------------------------------------------------------------------


@pytest.fixture
def resolver(db: None) -> OrganizationResolver:
    return OrganizationResolver(Organization.objects.all())


def _code(organization: Organization) -> str:
    return organization.code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("東京都", "pref-13"),
        ("東京", "pref-13"),
        (" 東 京 都 ", "pref-13"),
        ("東京\u3000都", "pref-13"),
        ("大阪", "pref-27"),
        ("大阪府", "pref-27"),
        ("京都", "pref-26"),
        ("京都府", "pref-26"),
        ("北海道", "pref-01"),
        ("神奈川", "pref-14"),
        ("pref-13", "pref-13"),
    ],
)
def test_it_finds_a_prefecture_by_name_with_or_without_its_suffix(
    resolver: OrganizationResolver, typed: str, code: str
) -> None:
    assert _code(resolver.resolve(typed)) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (13, "pref-13"),
        (13.0, "pref-13"),
        ("13", "pref-13"),
        ("013", "pref-13"),
        ("１３", "pref-13"),
        ("13000", "pref-13"),
        ("130001", "pref-13"),
        (1, "pref-01"),
        ("01", "pref-01"),
        ("01000", "pref-01"),
        (1000, "pref-01"),
        ("010006", "pref-01"),
        (10006, "pref-01"),
        ("270008", "pref-27"),
    ],
)
def test_it_finds_a_prefecture_by_its_code_with_or_without_leading_zeros(
    resolver: OrganizationResolver, typed: Any, code: str
) -> None:
    assert _code(resolver.resolve(typed)) == code


def test_it_finds_other_organisations_by_exact_name_short_name_or_code(resolver: OrganizationResolver) -> None:
    assert _code(resolver.resolve("INPIT")) == "inpit"
    assert _code(resolver.resolve("関東局")) == "bureau-kanto"
    assert _code(resolver.resolve("東京都知財総合支援窓口")) == "window-13"
    assert _code(resolver.resolve("window-13")) == "window-13"


def test_it_does_not_match_other_kinds_by_a_cut_name(resolver: OrganizationResolver) -> None:
    with pytest.raises(ValueError, match="見つかりません"):
        resolver.resolve("関東")


def test_it_resolves_without_a_query_per_row(resolver: OrganizationResolver, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        for typed in ("東京", "13", "大阪府", "INPIT", 47):
            resolver.resolve(typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("東京県", "都道府県・関係主体が見つかりません: 「東京県」"),
        ("トウキョウ", "都道府県・関係主体が見つかりません: 「トウキョウ」"),
        ("48", "都道府県コードが見つかりません: 「48」"),
        (0, "都道府県コードが見つかりません: 「0」"),
        ("130002", "地方公共団体コードの検査数字が正しくありません: 「130002」"),
        ("13101", "都道府県のコードではありません（市区町村のコードです）: 「13101」"),
        ("", "都道府県・関係主体が空欄です"),
        (None, "都道府県・関係主体が空欄です"),
    ],
)
def test_it_refuses_an_unknown_organisation_naming_what_was_typed(
    resolver: OrganizationResolver, typed: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resolver.resolve(typed)


def test_it_refuses_a_name_shared_by_two_organisations() -> None:
    first = Organization(code="body-a", kind=OrganizationKind.SUPPORT_BODY, name="発明協会", short_name="協会")
    second = Organization(code="body-b", kind=OrganizationKind.SUPPORT_BODY, name="商工協会", short_name="協会")
    resolver = OrganizationResolver([first, second])
    with pytest.raises(ValueError, match="1つに決められません: 「協会」（発明協会、商工協会）"):
        resolver.resolve("協会")
    assert resolver.resolve("発明協会") is first
