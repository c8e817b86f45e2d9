"""The municipality survey's page: each prefecture's invitation of a fiscal year (JPO sends them to every
prefecture's users at once), and a prefecture's editors answering while signed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from chizai.lib.fiscal import fiscal_year_of
from chizai.organizations.models import Organization
from chizai.surveys import actions
from chizai.surveys.access import can_design, get_questionnaire_for_user
from chizai.surveys.mail import send_invitation
from chizai.surveys.models import Audience, Invitation, Questionnaire
from chizai.surveys.municipal import prefecture_recipients, status_rows


def _municipal(request: HttpRequest, pk: int) -> Questionnaire:
    questionnaire = get_questionnaire_for_user(request.user, pk)
    if questionnaire.audience != Audience.MUNICIPALITY:
        raise Http404("自治体アンケートの調査票ではありません。")
    return questionnaire


def _year(request: HttpRequest) -> int:
    raw = request.POST.get("year") or request.GET.get("year", "")
    current = fiscal_year_of(timezone.localdate())
    return int(raw) if raw.isdigit() and current - 10 <= int(raw) <= current + 1 else current - 1


@login_required
@require_http_methods(["GET", "POST"])
def municipal_status(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _municipal(request, pk)
    year = _year(request)
    rows = status_rows(request.user, questionnaire, year)
    if request.method == "POST":
        if not can_design(request.user):
            raise PermissionDenied("回答依頼は特許庁の編集者が送ります。")
        sent, problems = _invite_all(request, questionnaire, [r.prefecture for r in rows if r.invitation is None], year)
        if sent:
            messages.success(request, f"{sent}都道府県の利用者に{year}年度の回答依頼を送りました。")
        for problem in problems:
            messages.error(request, problem)
        return redirect(f"{request.path}?year={year}")
    context = {
        "questionnaire": questionnaire,
        "rows": rows,
        "year": year,
        "years": list(range(fiscal_year_of(timezone.localdate()), fiscal_year_of(timezone.localdate()) - 5, -1)),
        "can_invite": can_design(request.user) and questionnaire.frozen,
        "answered": sum(1 for r in rows if r.invitation and r.invitation.answered_at),
        "invited": sum(1 for r in rows if r.invitation),
    }
    return render(request, "surveys/municipal_status.html", context)


def _invite_all(
    request: HttpRequest, questionnaire: Questionnaire, prefectures: list[Organization], year: int
) -> tuple[int, list[str]]:
    sent, problems = 0, []
    for prefecture in prefectures:
        emails = prefecture_recipients(prefecture)
        if not emails:
            problems.append(f"{prefecture.name}には利用者のメールアドレスが登録されていないため、送れませんでした。")
            continue
        try:
            invitation, token = actions.invite_organization(
                questionnaire=questionnaire,
                organization=prefecture,
                fiscal_year=year,
                email=emails[0],
                actor=request.user,
            )
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        send_invitation(invitation, token)
        sent += 1
    return sent, problems


@login_required
@require_POST
def municipal_answer(request: HttpRequest, invitation_pk: int) -> HttpResponse:
    """A prefecture's editor answers now: a fresh link to the same answering page (and its rules)."""
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.user), pk=invitation_pk, organization__isnull=False
    )
    try:
        token = actions.issue_member_link(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("surveys:municipal_status", pk=invitation.questionnaire_id)
    return redirect("survey_answer:answer", token=token)
