"""The drill-through from a KPI counted from survey answers: the answers behind one year's figure, counted ones first,
with the response rate beside the figure. An anonymous answer shows no company; a body sees the answers of the
cases it supports (in full), never another body's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from chizai.audit.log import log_access
from chizai.cases.models import SupportCase
from chizai.kpis.access import get_kpi_for_user
from chizai.kpis.models import Actual, HalfChoice
from chizai.paging import paginate
from chizai.surveys.counting import KEY_LABELS, answers_behind, survey_rule_of
from chizai.surveys.models import Answer


@login_required
def kpi_answers(request: HttpRequest, kpi_pk: int, year: int) -> HttpResponse:
    kpi = get_kpi_for_user(request.user, kpi_pk)
    rule = survey_rule_of(kpi)
    if rule is None:
        raise Http404("このKPIはアンケートの回答から集計していません。")
    shown, hidden = answers_behind(kpi, year, request.user)
    # A referrer sees a case's stage, not what its company answered: only cases seen in full (and anonymous ones).
    full = Q(case=None) | Q(case__in=SupportCase.objects.fully_visible_to(request.user).values("pk"))
    visible = shown.filter(full)
    hidden += shown.count() - visible.count()
    keyed = Answer.objects.filter(question__key__in=rule.keys).select_related("question").order_by("question__position")
    paged = paginate(request, visible.prefetch_related(Prefetch("answers", queryset=keyed, to_attr="keyed")))
    rows = [
        {"response": r, "cells": [next((a.value for a in r.keyed if a.question.key == k), None) for k in rule.keys]}
        for r in paged.page
    ]
    log_access(request.user, "surveys.kpi_answers.viewed", kpi)
    context = {
        "kpi": kpi,
        "year": year,
        "rule": rule,
        "actual": Actual.objects.filter(kpi=kpi, start_year=year, end_year=year, half=HalfChoice.FULL).first(),
        "paged": paged,
        "rows": rows,
        "headings": [KEY_LABELS.get(key, key) for key in rule.keys],
        "hidden": hidden,
        "kpi_url": reverse("kpis:kpi_detail", args=[kpi.pk]),
    }
    return render(request, "surveys/kpi_answers.html", context)
