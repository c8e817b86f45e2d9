"""The raw answers of one questionnaire version as rows for Excel/CSV: one row per answer sheet, one column per
question (a multiple choice joined with 「、」).

Which rows: those whose free texts the user may read (`access.text_rows_scope`) within the results scope. An
anonymous questionnaire's rows carry no column that leads to a case, a company or an invitation (no answer id
either: ids follow the order the invitations were answered in) and only the month of the answer, as stored.
The renderer (chizai.exchange.exports) lives in a layer that cannot import surveys: chizai.reports joins them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chizai.organizations.types import AnyUser
from chizai.surveys.access import results_scope, text_rows_scope
from chizai.surveys.models import Question, Questionnaire, Response

ANONYMOUS_COLUMNS = ["年度", "ブロック", "回答月"]
NAMED_COLUMNS = [
    "回答番号",
    "年度",
    "ブロック",
    "回答日時",
    "回答方法",
    "支援事例番号",
    "企業名",
    "法人番号",
    "所在地",
    "業種",
    "従業員数",
    "きっかけ",
    "回答団体",
]
CHUNK = 500


@dataclass
class AnswerSheet:
    """What the renderer needs: a title, the column headings and the rows (read once, in chunks)."""

    title: str
    columns: list[str]
    rows: Iterator[list[Any]]


def exported_responses(user: AnyUser, questionnaire: Questionnaire) -> Any:
    return Response.objects.filter(
        results_scope(user), text_rows_scope(user, questionnaire), questionnaire=questionnaire
    ).order_by("submitted_at", "pk")


def answer_sheet(user: AnyUser, questionnaire: Questionnaire) -> AnswerSheet:
    questions = list(questionnaire.questions.all())
    heads = [f"問{q.position} {q.text}" for q in questions]
    columns = (ANONYMOUS_COLUMNS if questionnaire.anonymous else NAMED_COLUMNS) + heads
    responses = exported_responses(user, questionnaire)
    return AnswerSheet(
        f"{questionnaire.title}（第{questionnaire.version}版）", columns, _rows(questionnaire, questions, responses)
    )


def _rows(questionnaire: Questionnaire, questions: list[Question], responses: Any) -> Iterator[list[Any]]:
    related = ["block", "organization", "case__company__prefecture"]
    queryset = responses.select_related(*related).prefetch_related("answers")
    for response in queryset.iterator(chunk_size=CHUNK):
        values = {answer.question_id: answer.value for answer in response.answers.all()}
        answers = [_cell(values.get(q.pk)) for q in questions]
        yield (_anonymous_head(response) if questionnaire.anonymous else _named_head(response)) + answers


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def _anonymous_head(response: Response) -> list[Any]:
    block = response.block.display_name if response.block else ""
    return [response.fiscal_year, block, timezone.localtime(response.submitted_at).strftime("%Y/%m")]


def _named_head(response: Response) -> list[Any]:
    case = response.case
    company = case.company if case else None
    return [
        response.pk,
        response.fiscal_year,
        response.block.display_name if response.block else "",
        response.submitted_at,
        response.get_channel_display(),
        case.pk if case else None,
        company.name if company else "",
        company.corporate_number if company else "",
        company.prefecture.display_name if company and company.prefecture else "",
        company.industry if company else "",
        company.employees if company else None,
        case.get_origin_display() if case else "",
        response.organization.display_name if response.organization else "",
    ]
