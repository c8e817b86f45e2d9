"""Survey pages for officials: the questionnaires with their response rates, results as the plan shows them
(figures 4–6), and a case's invitations and answers (for those who see the case in full)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from chizai.audit.log import log_access
from chizai.surveys import actions
from chizai.surveys.access import (
    can_design,
    can_invite,
    can_see_results,
    get_case_for_answers,
)
from chizai.surveys.forms import InviteForm
from chizai.surveys.mail import send_invitation
from chizai.surveys.models import Audience, Invitation, Questionnaire, Response
from chizai.surveys.results import ResponseRate, response_rates


@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    questionnaires = list(Questionnaire.objects.visible_to(request.user))
    rates = response_rates(Invitation.objects.visible_to(request.user).filter(questionnaire__in=questionnaires))
    rows = [{"questionnaire": q, "rate": rates.get(q.pk, ResponseRate(0, 0))} for q in questionnaires]
    return render(
        request,
        "surveys/questionnaire_list.html",
        {"rows": rows, "can_results": can_see_results(request.user), "can_design": can_design(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_surveys(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = get_case_for_answers(request.user, case_pk)
    sendable = Questionnaire.objects.filter(audience=Audience.COMPANY, status="sent", anonymous=False).order_by(
        "code", "-version"
    )
    form = InviteForm(request.POST or None, questionnaires=sendable)
    if request.method == "POST":
        if not can_invite(request.user, case):
            raise PermissionDenied("この支援事例のアンケートを依頼する権限がありません。")
        if form.is_valid():
            try:
                invitation, token = actions.invite_case(
                    questionnaire=form.cleaned_data["questionnaire"],
                    case=case,
                    email=form.cleaned_data["email"],
                    valid_days=form.cleaned_data["valid_days"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                send_invitation(invitation, token)
                messages.success(request, f"{invitation.email} に回答依頼を送りました。")
                return redirect("surveys:case_surveys", case_pk=case.pk)
    invitations = Invitation.objects.visible_to(request.user).filter(case=case).select_related("questionnaire")
    answered = Response.objects.visible_to(request.user).filter(case=case).prefetch_related("answers__question")
    log_access(request.user, "surveys.case_answers.viewed", case)
    context = {
        "case": case,
        "invitations": invitations,
        "responses": answered,
        "form": form if can_invite(request.user, case) and sendable.exists() else None,
    }
    return render(request, "surveys/case_surveys.html", context)
