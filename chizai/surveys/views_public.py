"""The answering page (no login): an invitation's link opens its questionnaire, plain and phone-first.

The token in the URL is the only key; a closed, expired, used or unknown link says so kindly. Nothing on the
page names the case or the company beyond what the invitee already knows.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from chizai.surveys import actions
from chizai.surveys.answers import shown
from chizai.surveys.models import Question, QuestionKind


def _submitted(request: HttpRequest, questions: list[Question]) -> dict[str, Any]:
    return {
        q.key: request.POST.getlist(q.key) if q.kind == QuestionKind.MULTIPLE else request.POST.get(q.key, "")
        for q in questions
    }


def _items(questions: list[Question], values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    by_key = {q.key: q for q in questions}
    items = []
    for question in questions:
        value = values.get(question.key)
        chosen = (
            [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value not in (None, "") else [])
        )
        condition = by_key.get(question.show_if_key)
        items.append(
            {
                "question": question,
                "value": "" if isinstance(value, list) or value is None else value,
                "chosen": chosen,
                "error": errors.get(question.key, ""),
                "condition": f"問{condition.position}で「{question.show_if_value}」と答えた方のみ" if condition else "",
                "hidden_now": not shown(question, values) if condition else False,
            }
        )
    return items


@never_cache
@csrf_protect
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = actions.open_invitation(token)
    except actions.InvitationUnavailable as unavailable:
        return render(request, "surveys/unavailable.html", {"message": unavailable.message}, status=410)
    questionnaire = invitation.questionnaire
    questions = list(questionnaire.questions.all())
    errors: dict[str, str] = {}
    values = {} if questionnaire.anonymous else actions.current_answers(invitation)
    if request.method == "POST":
        values = _submitted(request, questions)
        try:
            actions.submit_answers(token=token, raw=values)
        except actions.AnswersRefused as refused:
            errors = refused.errors
        except actions.InvitationUnavailable as unavailable:
            return render(request, "surveys/unavailable.html", {"message": unavailable.message}, status=410)
        else:
            return render(
                request,
                "surveys/thanks.html",
                {"questionnaire": questionnaire, "editable": not questionnaire.anonymous},
            )
    context = {
        "questionnaire": questionnaire,
        "invitation": invitation,
        "items": _items(questions, values, errors),
        "errors": errors,
        "answered": invitation.answered_at is not None,
    }
    return render(request, "surveys/answer.html", context, status=400 if errors else 200)
