"""The corporate number (法人番号): 13 digits, the first of which is a check digit over the other twelve.

The National Tax Agency's rule (法人番号の指定等に関する省令 第2条): with P(n) the digit of the 12-digit base
at position n counted from its least significant digit, and Q(n) = 1 for odd n and 2 for even n,

    check digit = 9 − (Σ P(n) × Q(n), n = 1…12) mod 9

so 国税庁's own number 7000012050002 has the base 000012050002 and the check digit 7.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LENGTH", "check_digit", "normalize_corporate_number", "validate_corporate_number"]

LENGTH = 13
"""A corporate number has 13 digits: the check digit, then the 12-digit base."""

MESSAGE_FORMAT = "法人番号は13桁の数字です"
MESSAGE_CHECK_DIGIT = "法人番号のチェックデジットが一致しません"

# Hyphens, minus signs, dashes and spaces people type between groups of digits (after NFKC folding).
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー]")


def check_digit(base12: str) -> int:
    """The check digit of a 12-digit base: ``check_digit("000012050002")`` is 7."""
    if len(base12) != LENGTH - 1 or not base12.isascii() or not base12.isdigit():
        raise ValueError("法人番号の基礎番号は12桁の数字です")
    total = sum(int(digit) * (1 if position % 2 else 2) for position, digit in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def normalize_corporate_number(text: str) -> str:
    """Full-width digits to ASCII, separators removed: ``"７０００-０１２０-５０００２"`` → ``"7000012050002"``."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))


def validate_corporate_number(text: str) -> str:
    """The normalised 13-digit corporate number; ValueError with a Japanese message when it is not one."""
    number = normalize_corporate_number(text)
    if len(number) != LENGTH or not number.isascii() or not number.isdigit():
        raise ValueError(MESSAGE_FORMAT)
    if int(number[0]) != check_digit(number[1:]):
        raise ValueError(MESSAGE_CHECK_DIGIT)
    return number
