from decimal import Decimal, getcontext

import pytest

from chizai.lib.numbers import (
    EMPTY,
    format_number,
    format_percent,
    format_quantity,
    parse_number,
    ratio_percent,
    round_half_up,
)


def exactly(actual: Decimal | None, expected: str) -> bool:
    """Equal in value AND in the number of decimal places (Decimal("107") is not Decimal("107.0"))."""
    return actual is not None and actual == Decimal(expected) and str(actual) == expected


# --- round_half_up -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("106.8", 0, "107"),
        ("102.4", 0, "102"),
        ("128.75", 0, "129"),
        ("82.5", 0, "83"),
        ("0.5", 0, "1"),
        ("1.5", 0, "2"),
        ("2.5", 0, "3"),
        ("12.5", 0, "13"),
        ("102.49999999", 0, "102"),
        ("102.5", 0, "103"),
        ("167.3333333333", 1, "167.3"),
        ("78.9473684210", 1, "78.9"),
        ("0.05", 1, "0.1"),
        ("0.15", 1, "0.2"),
        ("0.25", 1, "0.3"),
        ("1.005", 2, "1.01"),
        ("102", 1, "102.0"),
        ("107", 0, "107"),
        ("-2.5", 0, "-3"),
        ("-2.4", 0, "-2"),
        ("-0.4", 0, "0"),
        ("1234", -2, "1.2E+3"),
        ("1250", -2, "1.3E+3"),
    ],
)
def test_it_rounds_halves_up_never_to_even(value, decimals, expected):
    assert exactly(round_half_up(Decimal(value), decimals), expected)


def test_it_rounds_to_whole_numbers_by_default():
    assert exactly(round_half_up(Decimal("82.5")), "83")


def test_it_rounds_values_longer_than_the_default_decimal_precision():
    value = Decimal("123456789012345678901234567890.5")
    assert getcontext().prec < len(value.as_tuple().digits)
    assert exactly(round_half_up(value), "123456789012345678901234567891")


def test_it_never_returns_a_negative_zero():
    assert not round_half_up(Decimal("-0.4")).is_signed()


def test_it_rounds_ints_too():
    assert exactly(round_half_up(5), "5")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1.5, "1.5", True, None])
def test_it_refuses_to_round_floats_and_other_non_decimals(value):
    with pytest.raises(TypeError):
        round_half_up(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_it_refuses_to_round_non_finite_decimals(value):
    with pytest.raises(ValueError):
        round_half_up(Decimal(value))


# --- ratio_percent -------------------------------------------------------------------------------

PLAN_ACHIEVEMENTS = [
    (267, 250, 0, "107"),
    (256, 250, 0, "102"),
    (277, 250, 0, "111"),
    (213, 250, 0, "85"),
    (515, 400, 0, "129"),
    (383, 400, 0, "96"),
    (328, 400, 0, "82"),
    (6853, 5500, 0, "125"),
    (6823, 5500, 0, "124"),
    (6035, 5500, 0, "110"),
    (509, 300, 0, "170"),
    (460, 300, 0, "153"),
    (401, 300, 0, "134"),
    (10571, 9000, 0, "117"),
    (12374, 9000, 0, "137"),
    (15022, 9000, 0, "167"),
    (251, 150, 1, "167.3"),
    (90, 114, 1, "78.9"),
]


@pytest.mark.parametrize(("actual", "target", "decimals", "expected"), PLAN_ACHIEVEMENTS)
def test_it_computes_every_achievement_figure_of_the_plan(actual, target, decimals, expected):
    assert exactly(ratio_percent(actual, target, decimals), expected)


@pytest.mark.parametrize(("actual", "target", "decimals", "expected"), PLAN_ACHIEVEMENTS)
def test_it_computes_the_plans_figures_from_decimals_as_well(actual, target, decimals, expected):
    assert exactly(ratio_percent(Decimal(actual), Decimal(target), decimals), expected)


@pytest.mark.parametrize(
    ("numerator", "denominator", "decimals", "expected"),
    [
        (1, 8, 0, "13"),  # 12.5
        (5, 40, 0, "13"),  # 12.5
        (1, 2, 0, "50"),
        (1, 200, 0, "1"),  # 0.5
        (3, 200, 0, "2"),  # 1.5
        (5, 200, 0, "3"),  # 2.5
        (1, 3, 0, "33"),
        (2, 3, 0, "67"),
        (2, 3, 1, "66.7"),
        (1, 3, 2, "33.33"),
        (1, 16, 1, "6.3"),  # 6.25
        (3, 16, 1, "18.8"),  # 18.75
        (0, 250, 0, "0"),
        (250, 250, 0, "100"),
        (250, 250, 1, "100.0"),
        (-1, 8, 0, "-13"),
        (1, -8, 0, "-13"),
        (-1, -8, 0, "13"),
    ],
)
def test_it_rounds_ratios_half_up(numerator, denominator, decimals, expected):
    assert exactly(ratio_percent(numerator, denominator, decimals), expected)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (41, 40, "103"),  # 41 / 40 * 100 == 102.49999999999999 in floats
        (29, 200, "15"),  # 29 / 200 * 100 == 14.499999999999998 in floats
    ],
)
def test_it_gets_right_what_float_arithmetic_gets_wrong(numerator, denominator, expected):
    assert round(numerator / denominator * 100) != int(expected)
    assert exactly(ratio_percent(numerator, denominator), expected)


def test_it_does_not_use_bankers_rounding_like_builtin_round():
    assert round(12.5) == 12
    assert exactly(ratio_percent(1, 8), "13")


def test_it_rounds_only_once_at_the_end():
    # 4.45 rounded to one place first would give 4.5 and then 5; the exact 4.45 gives 4.
    assert exactly(ratio_percent(Decimal("4.45"), 100), "4")


def test_it_keeps_a_value_a_hair_below_a_half_below_it_beyond_the_working_precision():
    # 0.50499...9 with 150 nines: 50.4999... percent, which a rounded intermediate would turn into 50.5.
    numerator = Decimal("0.504" + "9" * 150)
    assert exactly(ratio_percent(numerator, 1), "50")
    assert exactly(ratio_percent(numerator.copy_negate(), 1), "-50")


def test_it_returns_none_for_a_zero_target():
    assert ratio_percent(5, 0) is None
    assert ratio_percent(0, 0) is None
    assert ratio_percent(Decimal("5"), Decimal("0.00")) is None


def test_it_never_returns_a_negative_zero_ratio():
    result = ratio_percent(0, -5)
    assert result is not None and not result.is_signed()


@pytest.mark.parametrize(("numerator", "denominator"), [(1.0, 2), (1, 2.0), ("1", 2)])
def test_it_refuses_float_and_string_ratio_operands(numerator, denominator):
    with pytest.raises(TypeError):
        ratio_percent(numerator, denominator)


# --- format_number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (1, "1"),
        (999, "999"),
        (1000, "1,000"),
        (1234, "1,234"),
        (1234567, "1,234,567"),
        (-1234, "-1,234"),
        (-999, "-999"),
        (Decimal("60.0"), "60"),
        (Decimal("12.50"), "12.5"),
        (Decimal("1234.5"), "1,234.5"),
        (Decimal("-1234.50"), "-1,234.5"),
        (Decimal("0.00"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("0.125"), "0.125"),
        (Decimal("1E+3"), "1,000"),
        (Decimal("1.2E+4"), "12,000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("12345678901234567890123456789012.5"), "12,345,678,901,234,567,890,123,456,789,012.5"),
    ],
)
def test_it_formats_numbers_with_as_many_places_as_they_need(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("1234.5"), 0, "1,235"),
        (Decimal("1234.4"), 0, "1,234"),
        (Decimal("2.5"), 0, "3"),
        (Decimal("167.35"), 1, "167.4"),
        (Decimal("60"), 1, "60.0"),
        (1234, 2, "1,234.00"),
        (Decimal("-1234.5"), 0, "-1,235"),
        (Decimal("-0.4"), 0, "0"),
        (Decimal("999.5"), 0, "1,000"),
    ],
)
def test_it_formats_numbers_to_a_fixed_number_of_places_rounding_half_up(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize("decimals", [None, 0, 2])
def test_it_formats_a_missing_number_as_a_dash(decimals):
    assert format_number(None, decimals) == EMPTY == "—"


def test_it_refuses_to_format_a_float():
    with pytest.raises(TypeError):
        format_number(1.5)  # type: ignore[arg-type]


# --- format_quantity / format_percent ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (1234, "件", None, "1,234件"),
        (Decimal("60.0"), "%", None, "60%"),
        (Decimal("12.50"), "社", None, "12.5社"),
        (Decimal("12.5"), "社", 0, "13社"),
        (-5, "件", None, "-5件"),
        (0, "件", None, "0件"),
        (None, "件", None, "—"),
        (None, "%", 1, "—"),
    ],
)
def test_it_formats_a_quantity_with_its_unit(value, unit, decimals, expected):
    assert format_quantity(value, unit, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("107"), 0, "107%"),
        (Decimal("167.3"), 1, "167.3%"),
        (Decimal("78.9"), 1, "78.9%"),
        (Decimal("100"), 1, "100.0%"),
        (Decimal("1234"), 0, "1,234%"),
        (Decimal("12.5"), 0, "13%"),
        (None, 0, "—"),
        (None, 1, "—"),
    ],
)
def test_it_formats_a_percentage(value, decimals, expected):
    assert format_percent(value, decimals) == expected


def test_it_formats_percentages_as_whole_numbers_by_default():
    assert format_percent(Decimal("167.3")) == "167%"


def test_it_formats_the_plans_achievements_end_to_end():
    assert format_percent(ratio_percent(267, 250)) == "107%"
    assert format_percent(ratio_percent(251, 150, 1), 1) == "167.3%"
    assert format_percent(ratio_percent(90, 114, 1), 1) == "78.9%"
    assert format_percent(ratio_percent(1, 0)) == "—"


# --- parse_number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"),
        ("1234", "1234"),
        ("1,234", "1234"),
        ("1,234,567", "1234567"),
        ("12.5", "12.5"),
        (" 12.5 ", "12.5"),
        ("\t12.5\n", "12.5"),
        ("1,234.50", "1234.50"),
        ("１２３４", "1234"),
        ("１，２３４", "1234"),
        ("１２．５", "12.5"),
        ("\u3000１２３４\u3000", "1234"),
        ("1234件", "1234"),
        ("1,234件", "1234"),
        ("１２３４件", "1234"),
        ("12 件", "12"),
        ("60%", "60"),
        ("60％", "60"),
        ("3社", "3"),
        ("5人", "5"),
        ("1000円", "1000"),
        ("12.5ポイント", "12.5"),
        ("-5", "-5"),
        ("+5", "5"),
        ("△5", "-5"),
        ("▲5", "-5"),
        ("△ 5", "-5"),
        ("△1,234件", "-1234"),
        ("▲１２．５", "-12.5"),
        ("－５", "-5"),
        ("\u22125", "-5"),
        ("007", "7"),
    ],
)
def test_it_parses_numbers_as_typed_in_japanese_offices(text, expected):
    assert exactly(parse_number(text), expected)


@pytest.mark.parametrize("text", ["-0", "△0", "▲0.0"])
def test_it_never_parses_a_negative_zero(text):
    assert not parse_number(text).is_signed()


def test_it_parses_long_numbers_without_losing_digits():
    parsed = parse_number("12,345,678,901,234,567,890,123,456,789,012")
    assert exactly(parsed, "12345678901234567890123456789012")


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\u3000",
        "abc",
        "件",
        "%",
        "-",
        "△",
        "1 2",
        "12,34",
        "1,2345",
        ",123",
        "123,",
        "1,,234",
        ".5",
        "5.",
        "1.2.3",
        "1e5",
        "1E5",
        "12kg",
        "0x10",
        "--5",
        "△-5",
        "△▲5",
        "5-",
        "5△",
        "+-5",
        "NaN",
        "Infinity",
        "十二",
        "1/2",
        "件12",
        "12件件%",
        "12%件",
    ],
)
def test_it_refuses_anything_else_with_a_japanese_message(text):
    with pytest.raises(ValueError, match="^数値として読み取れません: "):
        parse_number(text)


def test_it_quotes_the_refused_input_in_the_message():
    with pytest.raises(ValueError) as error:
        parse_number("12,34")
    assert str(error.value) == "数値として読み取れません: '12,34'"


def test_it_refuses_to_parse_a_non_string():
    with pytest.raises(TypeError):
        parse_number(1234)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [Decimal("1234.5"), Decimal("-1234"), Decimal("0"), Decimal("1234567")])
def test_it_parses_back_what_it_formats(value):
    assert parse_number(format_number(value)) == value
    assert parse_number(format_quantity(value, "件")) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,000万円", Decimal(30_000_000)),
        ("1.5億", Decimal(150_000_000)),
        ("3千社", Decimal(3000)),
        ("２兆円", Decimal(2) * Decimal(10) ** 12),
        ("△5万円", Decimal(-50_000)),
        ("120件", Decimal(120)),
    ],
)
def test_parse_number_multiplies_japanese_magnitude_words(text, expected):
    assert parse_number(text) == expected
