"""Cross-tabulation of survey answers as the plan shows them (figures 4–6): the overall shares, then one row per
block, fiscal year, prefecture, industry, company size or origin (push or regional discovery).

A row's shares are `results.distribution`'s (the plan's rounding, n = those who answered the question). Company
dimensions need the case, so an anonymous questionnaire splits only by block and year; a municipal one by block,
year and prefecture. Outside JPO a group of fewer than `MIN_GROUP_N` answers shows its n but not its shares, so
that a small group's figure cannot be read as one company's or one prefecture's answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from chizai.cases.models import Origin
from chizai.surveys.models import Answer, Audience, Question, QuestionKind, Questionnaire, Response
from chizai.surveys.results import Distribution, distribution

MIN_GROUP_N = 3
UNKNOWN = 9999
# (upper bound of employees, label): 中小企業基本法's sizes, read off the head count the case's company gave.
SIZE_BANDS = ((20, "20人以下"), (50, "21〜50人"), (100, "51〜100人"), (300, "101〜300人"))
CHART_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE)

Group = tuple[Any, str]  # (sort key, label)


def _block(response: Response) -> Group:
    block = response.block
    return (block.sort_order, block.display_name) if block else (UNKNOWN, "（ブロック不明）")


def _year(response: Response) -> Group:
    year = response.fiscal_year
    return (year, f"{year}年度") if year else (UNKNOWN, "（年度不明）")


def _prefecture(response: Response) -> Group:
    prefecture = response.organization or (response.case.company.prefecture if response.case else None)
    return (prefecture.sort_order, prefecture.display_name) if prefecture else (UNKNOWN, "（都道府県不明）")


def _industry(response: Response) -> Group:
    industry = response.case.company.industry if response.case else ""
    return (0, industry) if industry else (UNKNOWN, "（業種不明）")


def size_band(employees: int | None) -> Group:
    if employees is None:
        return (UNKNOWN, "（従業員数不明）")
    for order, (limit, label) in enumerate(SIZE_BANDS):
        if employees <= limit:
            return (order, label)
    return (len(SIZE_BANDS), "301人以上")


def _size(response: Response) -> Group:
    return size_band(response.case.company.employees if response.case else None)


ORIGIN_LABELS = {Origin.PUSH: "プッシュ型", Origin.REGIONAL: "地域掘り起こし型"}  # short: they label the bars


def _origin(response: Response) -> Group:
    origin = response.case.origin if response.case else ""
    return (list(Origin.values).index(origin), ORIGIN_LABELS[Origin(origin)]) if origin else (UNKNOWN, "（不明）")


@dataclass(frozen=True)
class Dimension:
    label: str
    group: Callable[[Response], Group]
    needs_case: bool = False


DIMENSIONS: dict[str, Dimension] = {
    "block": Dimension("ブロック別", _block),
    "fiscal_year": Dimension("年度別", _year),
    "prefecture": Dimension("都道府県別", _prefecture),
    "industry": Dimension("業種別", _industry, needs_case=True),
    "size": Dimension("企業規模別（従業員数）", _size, needs_case=True),
    "origin": Dimension("きっかけ別（プッシュ型・地域掘り起こし型）", _origin, needs_case=True),
}


def dimensions_for(questionnaire: Questionnaire) -> dict[str, str]:
    """The splits a questionnaire's answers allow, as {key: label} with "" for the overall shares only."""
    allowed = {"": "全体のみ"}
    for key, dimension in DIMENSIONS.items():
        if questionnaire.anonymous and (dimension.needs_case or key == "prefecture"):
            continue
        if questionnaire.audience == Audience.MUNICIPALITY and dimension.needs_case:
            continue
        allowed[key] = dimension.label
    return allowed


@dataclass(frozen=True)
class Row:
    distribution: Distribution
    hidden: bool  # fewer than MIN_GROUP_N answers, shown to a viewer outside JPO: n only


def crosstab(
    questions: list[Question], responses: QuerySet[Response], split_by: str = "", *, min_n: int = 0
) -> dict[str, list[Row]]:
    """Per chart question key: the overall row, then one row per group of `split_by` (groups sorted), in two
    queries whatever the number of questions and groups."""
    charted = [q for q in questions if q.kind in CHART_KINDS]
    dimension = DIMENSIONS.get(split_by)
    answers = Answer.objects.filter(response__in=responses, question__in=charted).select_related(
        "response__block",
        "response__organization",
        "response__case__company__prefecture",
    )
    values: dict[int, list[tuple[Any, Group]]] = defaultdict(list)
    for answer in answers:
        group = dimension.group(answer.response) if dimension else (0, "")
        values[answer.question_id].append((answer.value, group))
    return {q.key: _rows(q, values[q.pk], dimension is not None, min_n) for q in charted}


def _rows(question: Question, found: list[tuple[Any, Group]], split: bool, min_n: int) -> list[Row]:
    overall = distribution(question, [value for value, _group in found])
    rows = [Row(overall, overall.n < min_n)]
    if split:
        groups: dict[Group, list[Any]] = defaultdict(list)
        for value, group in found:
            groups[group].append(value)
        for (_order, label), grouped in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1])):
            row = distribution(question, grouped, label)
            rows.append(Row(row, row.n < min_n))
    return rows
