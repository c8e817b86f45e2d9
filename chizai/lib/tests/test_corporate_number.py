import pytest

from chizai.lib.corporate_number import check_digit, normalize_corporate_number, validate_corporate_number

# Published corporate numbers of public bodies (国税庁 法人番号公表サイト), each checked by hand with the rule.
PUBLISHED = [
    "7000012050002",  # 国税庁
    "4000012090001",  # 経済産業省
    "8000020130001",  # 東京都
    "4000020270008",  # 大阪府
]


@pytest.mark.parametrize("number", PUBLISHED)
def test_it_accepts_published_corporate_numbers_of_public_bodies(number):
    assert validate_corporate_number(number) == number


@pytest.mark.parametrize("number", PUBLISHED)
def test_it_computes_the_first_digit_from_the_other_twelve(number):
    assert check_digit(number[1:]) == int(number[0])


def test_it_weights_odd_positions_from_the_right_by_one_and_even_ones_by_two():
    # Only the rightmost digit set: weight 1 → 9 − 1 = 8; the second from the right: weight 2 → 9 − 2 = 7.
    assert check_digit("000000000001") == 8
    assert check_digit("000000000010") == 7
    assert check_digit("100000000000") == 7  # position 12 (even): weight 2


def test_it_gives_nine_when_the_weighted_sum_is_a_multiple_of_nine():
    assert check_digit("000000000000") == 9
    assert check_digit("000000000009") == 9


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("７００００１２０５０００２", "7000012050002"),
        ("7000-0120-50002", "7000012050002"),
        ("7 0000 1205 0002", "7000012050002"),
        ("７０００－０１２０－５０００２", "7000012050002"),
        (" 8000020130001\n", "8000020130001"),
    ],
)
def test_it_accepts_full_width_digits_hyphens_and_spaces(typed, expected):
    assert validate_corporate_number(typed) == expected


@pytest.mark.parametrize(
    "number",
    [
        "1000020130001",  # 東京都's base with a wrong check digit
        "6000012050002",
        "7000012050003",  # one base digit changed
        "0000000000000",  # 0 is never a check digit
    ],
)
def test_it_refuses_a_wrong_check_digit(number):
    with pytest.raises(ValueError, match="法人番号のチェックデジットが一致しません"):
        validate_corporate_number(number)


@pytest.mark.parametrize(
    "text", ["", "700001205000", "70000120500021", "700001205000X", "abc", "７０００１２０５０００"]
)
def test_it_refuses_anything_but_thirteen_digits(text):
    with pytest.raises(ValueError, match="法人番号は13桁の数字です"):
        validate_corporate_number(text)


def test_it_refuses_a_base_that_is_not_twelve_digits():
    with pytest.raises(ValueError):
        check_digit("12345")


def test_it_normalises_without_validating():
    assert normalize_corporate_number("１２３－４") == "1234"
