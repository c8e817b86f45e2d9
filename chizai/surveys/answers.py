"""Checking a set of answers against a questionnaire: each question type's rules, required questions and the
simple conditions (show B when A is yes). Pure functions over the questions, with Japanese messages per question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from chizai.surveys.models import TEXT_ANSWER_MAX_LENGTH, Question, QuestionKind

NUMBER_LIMIT = Decimal("1e12")


@dataclass
class Checked:
    """The answers to store (question key → value) and the problems found (question key → message)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def shown(question: Question, values: Mapping[str, Any]) -> bool:
    """Whether the question applies, given the answers so far (its condition names an earlier question)."""
    if not question.show_if_key:
        return True
    answer = values.get(question.show_if_key)
    if isinstance(answer, list):
        return question.show_if_value in answer
    return answer is not None and str(answer) == question.show_if_value


def _blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, list | tuple):
        return not [item for item in raw if str(item).strip()]
    return not str(raw).strip()


def _one(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        return str(raw[0]).strip() if len(raw) == 1 else ""
    return str(raw).strip()


def _choice(question: Question, raw: Any) -> tuple[Any, str]:
    value = _one(raw)
    if value not in question.options:
        return None, "選択肢から1つ選んでください。"
    return (int(value) if question.kind == QuestionKind.SCALE else value), ""


def _choices(question: Question, raw: Any) -> tuple[Any, str]:
    items = [str(item).strip() for item in (raw if isinstance(raw, list | tuple) else [raw]) if str(item).strip()]
    if any(item not in question.options for item in items):
        return None, "選択肢から選んでください。"
    return [option for option in question.options if option in items], ""  # in the questionnaire's order


def _number(_question: Question, raw: Any) -> tuple[Any, str]:
    text = _one(raw).replace(",", "").translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "数値で記入してください（例: 12 または 3.5）。"
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        return None, "数値が大きすぎます。"
    return format(number.normalize(), "f"), ""


def _text(_question: Question, raw: Any) -> tuple[Any, str]:
    text = _one(raw) if not isinstance(raw, str) else raw.strip()
    if len(text) > TEXT_ANSWER_MAX_LENGTH:
        return None, f"{TEXT_ANSWER_MAX_LENGTH:,}文字以内で記入してください。"
    return text, ""


READERS = {
    QuestionKind.SINGLE: _choice,
    QuestionKind.SCALE: _choice,
    QuestionKind.MULTIPLE: _choices,
    QuestionKind.NUMBER: _number,
    QuestionKind.TEXT: _text,
}


def check(questions: Sequence[Question], raw: Mapping[str, Any]) -> Checked:
    """Read every shown question's answer from `raw` (question key → submitted value or list of values).

    A question hidden by its condition is dropped, even if a value was sent for it; a required shown question
    left blank is an error.
    """
    checked = Checked()
    for question in sorted(questions, key=lambda q: q.position):
        if not shown(question, checked.values):
            continue
        submitted = raw.get(question.key)
        if _blank(submitted):
            if question.required:
                checked.errors[question.key] = "回答してください（必須）。"
            continue
        value, error = READERS[QuestionKind(question.kind)](question, submitted)
        if error:
            checked.errors[question.key] = error
        else:
            checked.values[question.key] = value
    return checked
