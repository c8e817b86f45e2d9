"""Survey results for officials: figures 4–6 style shares cross-tabulated (JPO all, a bureau its block, a
prefecture itself), the free-text answers with filters, and the regional analysis fed back to the regions."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chizai.audit.log import log_access
from chizai.organizations.models import Organization
from chizai.organizations.permissions import sees_everything
from chizai.paging import paginate
from chizai.surveys import analysis, charts
from chizai.surveys.access import (
    can_export_answers,
    can_see_results,
    get_questionnaire_for_user,
    results_scope,
    text_rows_scope,
)
from chizai.surveys.crosstab import MIN_GROUP_N, crosstab, dimensions_for
from chizai.surveys.models import Answer, Invitation, QuestionKind, Questionnaire, Response
from chizai.surveys.results import response_rate

NOT_ALLOWED = "アンケートの集計は、特許庁・経済産業局・都道府県の担当者が閲覧できます。"


def _results_questionnaire(request: HttpRequest, pk: int) -> Questionnaire:
    if not can_see_results(request.user):
        raise Http404(NOT_ALLOWED)
    return get_questionnaire_for_user(request.user, pk)


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _results_questionnaire(request, pk)
    splits = dimensions_for(questionnaire)
    split = request.GET.get("split", "")
    split = split if split in splits else ""
    scope = results_scope(request.user)
    responses = Response.objects.filter(scope, questionnaire=questionnaire)
    questions = list(questionnaire.questions.all())
    min_n = 0 if sees_everything(request.user) else MIN_GROUP_N
    tables = crosstab(questions, responses, split, min_n=min_n)
    texts = {
        row["question__key"]: row["n"]
        for row in Answer.objects.filter(
            response__in=responses.filter(text_rows_scope(request.user, questionnaire)),
            question__kind=QuestionKind.TEXT,
        )
        .exclude(value="")
        .values("question__key")
        .annotate(n=Count("pk"))
        .order_by()
    }
    sections = []
    for question in questions:
        rows = tables.get(question.key)
        if rows is None:
            sections.append({"question": question, "texts": texts.get(question.key, 0)})
            continue
        shown = [row.distribution for row in rows if not row.hidden]
        sections.append({"question": question, "chart": charts.share_bars(question, shown), "rows": rows})
    # The response rate needs every invitation: JPO's; a body sees how many answers its aggregates hold.
    everything = sees_everything(request.user)
    context = {
        "questionnaire": questionnaire,
        "sections": sections,
        "rate": response_rate(Invitation.objects.filter(questionnaire=questionnaire)) if everything else None,
        "answered": responses.count(),
        "split": split,
        "splits": splits,
        "min_n": min_n,
        "can_export": can_export_answers(request.user, questionnaire),
    }
    return render(request, "surveys/results.html", context)


@login_required
def free_texts(request: HttpRequest, pk: int) -> HttpResponse:
    """The free-text answers, newest first, filtered by question, block, year and words; a named questionnaire's
    only of the cases the user sees in full, an anonymous one's without any column that identifies."""
    questionnaire = _results_questionnaire(request, pk)
    questions = [q for q in questionnaire.questions.all() if q.kind == QuestionKind.TEXT]
    answers = (
        Answer.objects.filter(
            response__in=Response.objects.filter(
                results_scope(request.user), text_rows_scope(request.user, questionnaire), questionnaire=questionnaire
            ),
            question__in=questions,
        )
        .exclude(value="")
        .select_related("question", "response__block", "response__organization")
        .order_by("-response__submitted_at", "-pk")
    )
    chosen = request.GET.get("question", "")
    if chosen:
        answers = answers.filter(question__key=chosen)
    block = request.GET.get("block", "")
    if block.isdigit():
        answers = answers.filter(response__block_id=int(block))
    year = request.GET.get("year", "")
    if year.isdigit():
        answers = answers.filter(response__fiscal_year=int(year))
    words = request.GET.get("q", "").strip()[:100]
    if words:  # JSON text escapes non-ASCII on SQLite: match the decoded values (text answers only, pk and value)
        found = [pk for pk, value in answers.values_list("pk", "value") if words.casefold() in str(value).casefold()]
        answers = answers.filter(pk__in=found)
    page = paginate(request, answers)
    if not questionnaire.anonymous:
        log_access(request.user, "surveys.free_texts.viewed", questionnaire, detail=request.GET.urlencode())
    context = {
        "questionnaire": questionnaire,
        "page": page,
        "questions": questions,
        "blocks": Organization.objects.bureaus(),
        "years": _years(),
        "filters": {"question": chosen, "block": block, "year": year, "q": words},
    }
    return render(request, "surveys/free_texts.html", context)


def _years() -> list[int]:
    today = timezone.localdate()
    current = today.year if today.month >= 4 else today.year - 1
    return list(range(current, current - 6, -1))


# --- the analysis fed back to the regions ---------------------------------------------------------------------


@login_required
def analysis_index(request: HttpRequest) -> HttpResponse:
    regions = analysis.regions_for_user(request.user)
    return render(request, "surveys/analysis_index.html", {"regions": regions})


@login_required
def analysis_region(request: HttpRequest, code: str) -> HttpResponse:
    region = analysis.get_region_for_user(request.user, code)
    report = analysis.regional_analysis(region, today=_today())
    return render(request, "surveys/analysis_region.html", {"region": region, "report": report})


def _today() -> datetime.date:
    return timezone.localdate()
