"""The plan's rounding rule (四捨五入) and Japanese number formatting and parsing.

All arithmetic is done with :class:`~decimal.Decimal` and ``ROUND_HALF_UP``:
never with floats and never with banker's rounding, so 12.5 becomes 13 and
102.5 becomes 103 exactly as a person computing by hand would expect.
Halves of negative numbers round away from zero (-2.5 becomes -3).
"""

import re
import unicodedata
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "EMPTY",
    "format_number",
    "format_percent",
    "format_quantity",
    "parse_number",
    "ratio_percent",
    "round_half_up",
]

EMPTY = "—"
"""Shown in place of a missing value (an em dash)."""

_PRECISION = 100
"""Working precision for intermediate results: far more than any plan figure needs."""


def _to_decimal(value: Decimal | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"Expected a Decimal or an int, got {type(value).__name__}: {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"Expected a finite number, got {number}")
    return number


def round_half_up(value: Decimal, decimals: int = 0) -> Decimal:
    """Round ``value`` to ``decimals`` places, halves away from zero (四捨五入).

    ``Decimal("106.8")`` gives 107, ``Decimal("82.5")`` gives 83 and, with
    ``decimals=1``, ``Decimal("167.333")`` gives 167.3. The result always has
    exactly ``decimals`` places (``Decimal("102")`` with ``decimals=1`` is 102.0), and a
    result of zero never carries a minus sign (``Decimal("-0.4")`` gives 0, not -0).
    """
    number = _to_decimal(value)
    with localcontext() as context:
        context.prec = max(_PRECISION, number.adjusted() + decimals + 2)
        rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded == 0 else rounded


def ratio_percent(numerator: Decimal | int, denominator: Decimal | int, decimals: int = 0) -> Decimal | None:
    """Return ``numerator / denominator * 100`` rounded half up, or ``None`` when the denominator is 0.

    The quotient is carried to 100 significant digits, truncated rather than
    rounded, so the only rounding that can move the result is the final half-up
    one: ``ratio_percent(267, 250)`` is 107, ``ratio_percent(41, 40)`` is 103
    (floats give 102.49999999999999) and ``ratio_percent(251, 150, 1)`` is 167.3.
    """
    top = _to_decimal(numerator)
    bottom = _to_decimal(denominator)
    if bottom == 0:
        return None
    with localcontext() as context:
        context.prec = _PRECISION
        context.rounding = ROUND_DOWN
        percent = top * 100 / bottom
    return round_half_up(percent, decimals)


def format_number(value: Decimal | int | None, decimals: int | None = None) -> str:
    """Format a number with thousands separators: ``"1,234"``, ``"-1,234"``, ``"12.5"``.

    With ``decimals=None`` the value keeps as many places as it needs and
    trailing zeros are dropped (``Decimal("60.0")`` gives ``"60"``). Otherwise
    it is rounded half up to exactly ``decimals`` places. ``None`` gives ``"—"``.
    A value that rounds to zero is shown without a minus sign.
    """
    if value is None:
        return EMPTY
    number = _to_decimal(value)
    if not decimals and number == number.to_integral_value():
        return f"{int(number):,}"  # the common case, without the exact decimal arithmetic (pages format thousands)
    if decimals is None:
        number = _drop_trailing_zeros(number)
    else:
        number = round_half_up(number, decimals)
    if number == 0:
        number = abs(number)
    return f"{number:,f}"


def _drop_trailing_zeros(number: Decimal) -> Decimal:
    """Drop fractional trailing zeros without ever rounding: 60.0 -> 60, 12.50 -> 12.5, 1E+3 -> 1000."""
    if number == 0:
        return Decimal(0)
    with localcontext() as context:
        context.prec = max(_PRECISION, len(number.as_tuple().digits))
        normalized = number.normalize()
        exponent = normalized.as_tuple().exponent
        if isinstance(exponent, int) and exponent > 0:  # normalize() turns 1000 into 1E+3
            normalized = normalized.quantize(Decimal(1))
    return normalized


def format_quantity(value: Decimal | int | None, unit: str, decimals: int | None = None) -> str:
    """Format a number followed by its unit: ``"1,234件"``, ``"60%"``; ``None`` gives ``"—"`` (no unit)."""
    if value is None:
        return EMPTY
    return f"{format_number(value, decimals)}{unit}"


def format_percent(value: Decimal | None, decimals: int = 0) -> str:
    """Format a percentage rounded half up to ``decimals`` places.

    ``Decimal("107")`` gives ``"107%"``, ``Decimal("167.3")`` with ``decimals=1`` gives ``"167.3%"``
    and ``None`` gives ``"—"``.
    """
    return format_quantity(value, "%", decimals)


_NEGATIVE_MARKS = "△▲−‐－"
"""Marks read as a minus sign besides ``-``: Japanese 三角 marks and Unicode minus/hyphen forms."""

_MULTIPLIERS = {"千": Decimal(1000), "万": Decimal(10) ** 4, "億": Decimal(10) ** 8, "兆": Decimal(10) ** 12}
"""Japanese magnitude words at the start of a unit: 3千社, 3,000万円, 1.5億円."""

_NUMBER = re.compile(
    r"""
    (?P<sign>[-+])?\s*
    (?P<integer>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)
    (?P<fraction>\.[0-9]+)?
    \s*(?P<unit>[^\W\d_A-Za-z]+|%)?
    """,
    re.VERBOSE,
)
"""A sign, digits (optionally grouped by three), a fraction and a unit (non-ASCII letters or ``%``)."""


def parse_number(text: str) -> Decimal:
    """Read a number typed by a user in a Japanese office.

    Accepts, around optional surrounding spaces (half- or full-width):

    * thousands separators in groups of three: ``"1,234"``, ``"1,234,567.5"``;
    * full-width characters: ``"１２３４"``, ``"１，２３４．５"``;
    * a negative mark: ``"-5"``, ``"△5"`` or ``"▲5"`` (and a leading ``"+"``);
    * a trailing unit written in Japanese, or a percent sign: ``"1234件"``, ``"60%"``, ``"60％"``, ``"3 社"``;
      a unit that starts with 千, 万, 億 or 兆 multiplies: ``"3,000万円"`` is 30,000,000 and ``"1.5億"`` 150,000,000.

    Anything else raises ``ValueError`` with the message ``"数値として読み取れません: …"``:
    an empty string, a bare ``"."`` fraction such as ``".5"`` or ``"5."``, misplaced
    separators (``"12,34"``), exponents (``"1e5"``) and units in Latin letters (``"12kg"``).
    """
    if not isinstance(text, str):
        raise TypeError(f"Expected a str, got {type(text).__name__}: {text!r}")
    normalized = unicodedata.normalize("NFKC", text).strip()
    for mark in _NEGATIVE_MARKS:
        normalized = normalized.replace(mark, "-")
    match = _NUMBER.fullmatch(normalized)
    if match is None:
        raise ValueError(f"数値として読み取れません: {text!r}")
    number = Decimal(match["integer"].replace(",", "") + (match["fraction"] or ""))
    unit = match["unit"] or ""
    if unit[:1] in _MULTIPLIERS:
        number *= _MULTIPLIERS[unit[0]]  # "3,000万円" is thirty million, never 3,000
    if match["sign"] == "-" and number != 0:
        return number.copy_negate()
    return number
