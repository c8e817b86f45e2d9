"""Survey results as the plan shows them (figures 4–6): the share of each answer among those who answered the
question, with n, overall and split by a dimension (block, fiscal year); and the response rate beside them.

Shares use the plan's rounding (chizai.lib.numbers) and always add up from whole counts: a figure here is
recomputed from the stored answers on every call, never stored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from chizai.lib.numbers import round_half_up
from chizai.surveys.models import Answer, Invitation, Question, QuestionKind, Response


@dataclass(frozen=True)
class Share:
    option: str
    count: int
    percent: Decimal


@dataclass(frozen=True)
class Distribution:
    """How the `n` who answered one question split over its options (a multiple choice may exceed 100%)."""

    label: str
    n: int
    shares: list[Share]


def _percent(count: int, n: int) -> Decimal:
    return round_half_up(Decimal(count) * 100 / n, 1) if n else Decimal(0)


def distribution(question: Question, values: Iterable[Any], label: str = "全体") -> Distribution:
    counts: Counter[str] = Counter()
    n = 0
    for value in values:
        n += 1
        for item in value if isinstance(value, list) else [value]:
            counts[str(item)] += 1
    shares = [Share(option, counts[option], _percent(counts[option], n)) for option in question.options]
    return Distribution(label, n, shares)


def distributions(question: Question, responses: QuerySet[Response], split_by: str = "") -> list[Distribution]:
    """The overall distribution, then one per value of `split_by` ("block" or "fiscal_year") if given."""
    if question.kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE):
        raise ValueError("only choice and scale questions have a distribution")
    answers = Answer.objects.filter(response__in=responses, question__key=question.key).select_related(
        "response__block"
    )
    rows = [(a.value, _group(a.response, split_by)) for a in answers]
    result = [distribution(question, [value for value, _g in rows])]
    if split_by:
        groups: dict[tuple[int, str], list[Any]] = defaultdict(list)
        for value, group in rows:
            groups[group].append(value)
        result += [distribution(question, values, label) for (_order, label), values in sorted(groups.items())]
    return result


def _group(response: Response, split_by: str) -> tuple[int, str]:
    """The group's sort key and label: blocks in the reference order (北海道 first), years in order."""
    if split_by == "block":
        block = response.block
        return (block.sort_order, block.display_name) if block else (9999, "（ブロック不明）")
    if split_by == "fiscal_year":
        year = response.fiscal_year
        return (year, f"{year}年度") if year else (9999, "（年度不明）")
    return (0, "")


@dataclass(frozen=True)
class ResponseRate:
    invited: int
    answered: int

    @property
    def percent(self) -> Decimal:
        return _percent(self.answered, self.invited)

    def __str__(self) -> str:
        return f"回答率 {self.percent}%（{self.answered:,}件／{self.invited:,}件）"


def response_rate(invitations: QuerySet[Invitation]) -> ResponseRate:
    return ResponseRate(invitations.count(), invitations.filter(answered_at__isnull=False).count())


def response_rates(invitations: QuerySet[Invitation]) -> dict[int, ResponseRate]:
    """Per questionnaire id, the response rate of these invitations: one query for any number of questionnaires."""
    grouped = (
        invitations.order_by()
        .values("questionnaire_id")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
    )
    return {row["questionnaire_id"]: ResponseRate(row["invited"], row["answered"]) for row in grouped}
