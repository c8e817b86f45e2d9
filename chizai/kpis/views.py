"""Pages of the KPI spine: the national dashboard, organisations, a KPI, and entering its figures."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods

from chizai.audit.models import AuditEntry
from chizai.kpis import achievement, figures
from chizai.kpis.access import can_enter_actuals, get_kpi_for_user, get_organization_for_user
from chizai.kpis.actions import ConflictError, save_actual, save_evaluation
from chizai.kpis.charts import build_chart
from chizai.kpis.comparison import current_fiscal_year, year_over_year
from chizai.kpis.dashboard import (
    kpi_rows,
    organization_kpis,
    plan_or_404,
    regional_summary,
    shown_kpis,
)
from chizai.kpis.forms import ActualForm, EvaluationForm
from chizai.kpis.models import VALUES, Actual, ActualSource, Evaluation, HalfChoice, Kpi, Plan
from chizai.kpis.report import plan_report_markdown
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import can_edit_organization, primary_organization, sees_everything


def _today() -> datetime.date:
    return timezone.localdate()


def _is_htmx(request: HttpRequest) -> bool:
    """Whether htmx asked (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


@login_required
def dashboard(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The national dashboard. Its figures are a fragment cached under the data's generation, the day and the
    session (the fragment holds the 督促 forms' CSRF token): they are computed only when something changed, and
    lazily, so that a cached page never computes them."""
    plans = list(Plan.objects.order_by("-number"))
    plan = next((p for p in plans if number is None or p.number == number), None)
    if plan is None:
        raise Http404("計画が登録されていません。")
    today = _today()
    home = primary_organization(request.user)

    def tables() -> dict[str, Any]:
        own, central = shown_kpis(request.user, plan, home)
        stored = figures.load([*own, *central])
        return {
            "rows": kpi_rows(central, today, stored),
            "own_rows": kpi_rows(own, today, stored),
            "regional": regional_summary(Kpi.objects.for_plan(plan).visible_to(request.user), plan, today),
        }

    context = {
        "plan": plan,
        "plans": plans,
        "tables": SimpleLazyObject(tables),
        "home": home,
        "sees_everything": sees_everything(request.user),
        "today": today,
    }
    return render(request, "kpis/dashboard.html", context)


@login_required
def plan_report(request: HttpRequest, number: int) -> HttpResponse:
    plan = plan_or_404(number)
    text = plan_report_markdown(plan, today=_today())
    if request.GET.get("format") == "md":
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="plan{plan.number}_report.md"'
        return response
    return render(request, "kpis/plan_report.html", {"plan": plan, "lines": text.splitlines()})


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    organizations = list(
        Organization.objects.visible_to(request.user)
        .filter(
            kind__in=[
                OrganizationKind.JPO,
                OrganizationKind.INPIT,
                OrganizationKind.BUREAU,
                OrganizationKind.PREFECTURE,
            ]
        )
        .select_related("bureau")
        .order_by("sort_order", "jis_code")
    )
    central = [o for o in organizations if o.kind in (OrganizationKind.JPO, OrganizationKind.INPIT)]
    bureaus = [o for o in organizations if o.kind == OrganizationKind.BUREAU]
    prefectures = [o for o in organizations if o.kind == OrganizationKind.PREFECTURE]
    blocks = [(b, [p for p in prefectures if p.bureau_id == b.pk]) for b in bureaus]
    listed = {p.pk for _, members in blocks for p in members}
    others = [p for p in prefectures if p.pk not in listed]
    return render(request, "kpis/organization_list.html", {"central": central, "blocks": blocks, "others": others})


@login_required
def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    """An organisation's KPIs with their figures and this year beside last year. The figures are the same for
    everyone who may see the organisation: a fragment kept under the data's generation and the day, computed
    lazily, so a kept page reads no figure (its cost does not grow with the organisation's KPIs)."""
    organization = get_organization_for_user(request.user, code)
    plan = plan_or_404(int(request.GET["plan"]) if request.GET.get("plan", "").isdigit() else None)
    today = _today()

    def kpi_figures() -> dict[str, Any]:
        kpis = organization_kpis(organization, plan)
        stored = figures.load(kpis)
        computed = {kpi.pk: stored.results(kpi, today) for kpi in kpis}
        rows = kpi_rows(kpis, today, stored, computed)
        year = current_fiscal_year(plan, today)
        return {
            "rows": rows,
            "items": achievement.items_met(row["result"] for row in rows),
            "year_over_year": year_over_year(kpis, year, today, computed),
            "comparison_year": year,
        }

    context = {
        "organization": organization,
        "plan": plan,
        "plans": Plan.objects.order_by("-number"),
        "figures": SimpleLazyObject(kpi_figures),
        "can_edit": can_edit_organization(request.user, organization),
        "today": today,
    }
    return render(request, "kpis/organization_detail.html", context)


def _actual_grid(kpi: Kpi) -> list[dict[str, Any]]:
    """Per year: the whole-year, 上期 and 下期 actuals as entered (for the table and the edit links)."""
    index = {(a.start_year, a.end_year, a.half): a for a in kpi.actuals.all()}
    years = sorted({a.start_year for a in kpi.actuals.all() if a.start_year == a.end_year} | set(kpi.plan.fiscal_years))
    grid = []
    for year in years:
        cells = {half: index.get((year, year, half)) for half in (HalfChoice.FULL, HalfChoice.FIRST, HalfChoice.SECOND)}
        grid.append(
            {
                "year": year,
                "label": kpi.label_period(year, year),
                "cells": cells,
                "figure": achievement.year_figure(kpi, year, index),
            }
        )
    ranges = [a for a in kpi.actuals.all() if a.start_year != a.end_year]
    for actual in ranges:
        grid.append(
            {
                "year": actual.end_year,
                "label": kpi.label_period(actual.start_year, actual.end_year),
                "cells": {HalfChoice.FULL: actual},
                "figure": None,
                "range": True,
            }
        )
    return grid


@login_required
def kpi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A KPI with its results, chart, actuals, evaluations, revisions and history. The page is the same for
    everyone who may see the KPI, but for the edit links: it is kept under the data's generation, the day and
    the right to edit, and its rows are read only when it is not kept."""
    kpi = get_kpi_for_user(request.user, pk, values=False)

    today = _today()

    def page() -> dict[str, Any]:
        prefetch_related_objects([kpi], *VALUES)
        rows = figures.load([kpi]).results(kpi, today)
        return {
            "rows": rows,
            "chart": build_chart(rows, kpi.unit),
            "grid": _actual_grid(kpi),
            "evaluations": sorted(kpi.evaluations.all(), key=lambda e: (e.end_year, e.start_year, e.half)),
            "history": AuditEntry.objects.for_kpi(kpi.pk)[:100],
            "subsets": list(kpi.subsets.all()),
            "survey_notes": {
                a.end_year: a.source_note
                for a in kpi.actuals.all()
                if a.source == ActualSource.SURVEY and a.half == HalfChoice.FULL and not a.is_range
            },
        }

    context = {
        "kpi": kpi,
        "page": SimpleLazyObject(page),
        "can_edit": can_enter_actuals(request.user, kpi),
        "today": today,
    }
    return render(request, "kpis/kpi_detail.html", context)


def _initial_year(kpi: Kpi, request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit():
        return int(raw)
    today = _today()
    year = today.year if kpi.is_calendar_year else (today.year if today.month >= 4 else today.year - 1)
    return min(max(year, kpi.plan.first_fiscal_year), kpi.plan.last_fiscal_year)


@login_required
@require_http_methods(["GET", "POST"])
def actual_edit(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = get_kpi_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = ActualForm(request.POST, kpi=kpi)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = save_actual(
                    kpi=kpi,
                    start_year=data["year"],
                    end_year=data["year"],
                    half=data["half"],
                    value=data["value"],
                    numerator=data.get("numerator"),
                    denominator=data.get("denominator"),
                    expected_version=data["version"],
                    actor=request.user,
                )
            except ConflictError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                period = kpi.label_period(data["year"], data["year"]) + (
                    "" if data["half"] == HalfChoice.FULL else HalfChoice(data["half"]).label
                )
                messages.success(request, f"{period}の実績を{'保存' if saved else '削除'}しました。")
                return redirect(reverse("kpis:kpi_detail", args=[kpi.pk]) + "#actuals")
        # Show the figure now stored for the period (after a conflict: the one that won), not "none yet".
        year, half = form.cleaned_data.get("year"), form.cleaned_data.get("half")
        existing = (
            Actual.objects.filter(kpi=kpi, start_year=year, end_year=year, half=half).first()
            if year is not None and half
            else None
        )
        return render(
            request,
            "kpis/actual_form.html",
            {"kpi": kpi, "form": form, "existing": existing},
            status=422 if _is_htmx(request) else 200,
        )
    year = _initial_year(kpi, request)
    half = request.GET.get("half", HalfChoice.FULL)
    if half not in HalfChoice.values:
        half = HalfChoice.FULL
    existing = Actual.objects.filter(kpi=kpi, start_year=year, end_year=year, half=half).first()
    initial = {"year": year, "half": half, "version": existing.version if existing else 0}
    if existing:
        initial.update(value=existing.value, numerator=existing.numerator, denominator=existing.denominator)
    form = ActualForm(initial=initial, kpi=kpi)
    template = "kpis/_actual_form.html" if _is_htmx(request) else "kpis/actual_form.html"
    return render(request, template, {"kpi": kpi, "form": form, "existing": existing})


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = get_kpi_for_user(request.user, pk, write=True)
    if request.method == "POST":
        form = EvaluationForm(request.POST, kpi=kpi)
        if form.is_valid():
            start, end = form.period_years
            try:
                saved = save_evaluation(
                    kpi=kpi,
                    start_year=start,
                    end_year=end,
                    text=form.cleaned_data["text"],
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                )
            except ConflictError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(request, f"評価を{'保存' if saved else '削除'}しました。")
                return redirect(reverse("kpis:kpi_detail", args=[kpi.pk]) + "#evaluations")
        return render(request, "kpis/evaluation_form.html", {"kpi": kpi, "form": form})
    chosen = request.GET.get("period") or f"{_initial_year(kpi, request)}-{_initial_year(kpi, request)}"
    first, _, last = chosen.partition("-")
    existing = None
    if first.isdigit() and last.isdigit():
        existing = Evaluation.objects.filter(
            kpi=kpi, start_year=int(first), end_year=int(last), half=HalfChoice.FULL
        ).first()
    initial = {
        "period": chosen,
        "text": existing.text if existing else "",
        "version": existing.version if existing else 0,
    }
    form = EvaluationForm(initial=initial, kpi=kpi)
    return render(request, "kpis/evaluation_form.html", {"kpi": kpi, "form": form, "existing": existing})
