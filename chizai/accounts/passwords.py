"""Password rules after NIST SP 800-63B-4 beyond Django's own validators: a generous maximum length and the
words of this service, which make a password easy to guess however they are dressed up with digits."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

# Words anyone guessing a chizai password tries first (the service, the agency, the demo's roles).
CONTEXT_WORDS = (
    "chizai",
    "tokkyo",
    "tokkyocho",
    "jpo",
    "inpit",
    "meti",
    "chizaikatsuseika",
    "password",
    "passwd",
    "admin",
    "administrator",
    "editor",
    "viewer",
    "reviewer",
    "kanri",
    "shinsa",
)
_NOT_LETTERS = re.compile(r"[^a-z]+")


class MaximumLengthValidator:
    """Refuses passwords longer than `max_length` (at least 64 are accepted, as NIST asks; the cap keeps hashing
    cheap for the server)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max(64, max_length)

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"パスワードが長すぎます。{self.max_length}文字以内にしてください。",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"{self.max_length}文字まで使えます。文の形（スペースを含む）でもかまいません。"


def _only_context_words(letters: str) -> bool:
    """Whether `letters` is made up entirely of context words, one after another."""
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        reachable[end] = any(
            reachable[end - len(word)] and letters.endswith(word, 0, end) for word in CONTEXT_WORDS if len(word) <= end
        )
    return reachable[-1]


class ContextWordsValidator:
    """Refuses a password that is only the service's words with digits or symbols around them
    (「Tokkyo2026」, 「jpo_admin1」, 「Chizai-2026!!」): no composition rule makes those hard to guess."""

    def validate(self, password: str, user: Any = None) -> None:
        letters = _NOT_LETTERS.sub("", password.lower())
        if letters and _only_context_words(letters):
            raise ValidationError(
                "このパスワードは推測されやすい語（サービス名・組織名・役割名）と数字・記号だけでできています。",
                code="password_context_words",
            )

    def get_help_text(self) -> str:
        return "サービス名・組織名・役割名に数字や記号を足しただけのパスワードは使えません。"


def _step(a: str, b: str) -> int:
    if a.isdigit() and b.isdigit():
        return (int(b) - int(a)) % 10  # 9 → 0 continues 「…7890」
    return ord(b) - ord(a)


class RepetitionValidator:
    """Refuses repetitive or sequential passwords (「aaaaaaaaaaaa」, 「123456789012」, 「abababababab」), which NIST
    names among the values a blocklist should hold."""

    def validate(self, password: str, user: Any = None) -> None:
        steps = {_step(a, b) for a, b in zip(password, password[1:], strict=False)}
        if len(set(password)) <= 2 or steps in ({1}, {-1}, {9}):
            raise ValidationError(
                "同じ文字の繰り返しや連続した文字（例: 123456…、abcdef…）だけのパスワードは使えません。",
                code="password_repetitive",
            )

    def get_help_text(self) -> str:
        return "同じ文字の繰り返しや連続した文字だけのパスワードは使えません。"
