"""Questionnaire design for JPO's writers: write a draft (questions with their kind, choices, requirement and
condition), change it, send it (it freezes), and revise a sent one into a new version, all through the actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chizai.surveys import actions
from chizai.surveys.access import can_design, get_questionnaire_for_user
from chizai.surveys.forms_design import BaseQuestionFormSet, QuestionnaireForm, initial_questions, question_formset
from chizai.surveys.models import Questionnaire

NOT_DESIGNER = "調査票の作成・変更は特許庁の編集者が行います。"


def _designer(request: HttpRequest) -> None:
    if not can_design(request.user):
        raise Http404(NOT_DESIGNER)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_create(request: HttpRequest) -> HttpResponse:
    _designer(request)
    form = QuestionnaireForm(request.POST or None)
    questions = question_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            created = actions.create_questionnaire(
                code=form.cleaned_data["code"],
                title=form.cleaned_data["title"],
                audience=form.cleaned_data["audience"],
                anonymous=form.cleaned_data["anonymous"],
                introduction=form.cleaned_data["introduction"],
                questions=questions.specs(),
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"「{created}」を作成しました。内容を確認して送付してください。")
            return redirect("surveys:questionnaire_edit", pk=created.pk)
    return _form_page(request, form, questions, None)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft changes in place; a sent questionnaire is frozen and the same form makes its next version."""
    _designer(request)
    questionnaire = get_questionnaire_for_user(request.user, pk)
    initial = {"title": questionnaire.title}
    form = QuestionnaireForm(request.POST or None, initial=initial, editing=questionnaire)
    existing = initial_questions(list(questionnaire.questions.all()))
    questions = question_formset(request.POST or None, existing)
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            revised = actions.revise_questionnaire(
                questionnaire=questionnaire,
                title=form.cleaned_data["title"],
                questions=questions.specs(),
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            changed = f"新しい版（第{revised.version}版）を作成しました" if revised.pk != pk else "保存しました"
            messages.success(request, f"「{revised.title}」の{changed}。")
            return redirect("surveys:questionnaire_edit", pk=revised.pk)
    return _form_page(request, form, questions, questionnaire)


def _form_page(
    request: HttpRequest, form: QuestionnaireForm, questions: BaseQuestionFormSet, questionnaire: Questionnaire | None
) -> HttpResponse:
    context = {"form": form, "questions": questions, "questionnaire": questionnaire}
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/questionnaire_form.html", context, status=status)


@login_required
@require_POST
def questionnaire_send(request: HttpRequest, pk: int) -> HttpResponse:
    _designer(request)
    questionnaire = get_questionnaire_for_user(request.user, pk)
    sent = actions.send_questionnaire(questionnaire=questionnaire, actor=request.user)
    messages.success(request, f"「{sent}」を送付（確定）しました。以後の変更は新しい版になります。")
    return redirect("surveys:questionnaire_edit", pk=sent.pk)
