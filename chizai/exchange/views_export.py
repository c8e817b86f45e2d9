"""Export downloads: every table the app shows, as .xlsx or CSV, and the blank import templates.

Each view fetches exactly what its page fetches, through the same permission lookups, so an export never
shows more than the page (and refuses with the page's status: 404 for an organisation out of scope).
CSV is CP932 unless ?encoding=utf-8 (UTF-8 with a BOM); a CSV holds one table, ?sheet=<key> picks it.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from chizai.audit.generation import kept
from chizai.audit.log import log_access
from chizai.cases.forms import CaseFilterForm, case_years
from chizai.exchange import blank_forms, tables
from chizai.exchange.exports import Table, table_response
from chizai.kpis.access import get_organization_for_user
from chizai.kpis.dashboard import plan_or_404
from chizai.kpis.models import Plan
from chizai.pdca.compilation import compile_period
from chizai.pdca.listing import (
    others_of,
    own_lines,
    own_organizations,
    plan_periods,
    selected_period,
    selected_plan,
)
from chizai.pdca.models import ReportingPeriod

Download = HttpResponse | StreamingHttpResponse


def _today() -> datetime.date:
    return timezone.localdate()


def _plan_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("plan", "")
    return int(raw) if raw.isdigit() else None


def _download(request: HttpRequest, found: list[Table], name: list[str], fmt: str) -> Download:
    encoding = "utf-8-sig" if request.GET.get("encoding", "").lower() in ("utf-8", "utf8") else "cp932"
    return table_response(found, name, fmt, sheet=request.GET.get("sheet", ""), encoding=encoding)


@login_required
def export_dashboard(request: HttpRequest, number: str, fmt: str) -> Download:
    plan = plan_or_404(int(number))
    today = _today()

    # The dashboard's tables as this user sees them (a few hundred rows at most), kept under the data's generation
    # like the page's figures.
    def dashboard() -> list[Table]:
        return [replace(table, rows=list(table.rows)) for table in tables.dashboard_tables(request.user, plan, today)]

    found = kept(request, "dashboard_tables", dashboard, plan.pk, today, request.user.pk)
    return _download(request, found, ["ダッシュボード", f"第{plan.number}次"], fmt)


@login_required
def export_organization(request: HttpRequest, code: str, fmt: str) -> Download:
    organization = get_organization_for_user(request.user, code)
    plan = plan_or_404(_plan_param(request))
    found = tables.organization_tables(organization, plan, _today())
    return _download(request, found, ["KPI", organization.name], fmt)


@login_required
def export_evaluations(request: HttpRequest, fmt: str) -> Download:
    today = _today()
    plan = selected_plan(list(Plan.objects.order_by("-number")), request.GET.get("plan"))
    periods = plan_periods(plan)  # as the list shows them: a GET stores nothing
    period = selected_period(periods, request.GET.get("period"), today)
    organizations = own_organizations(request.user)
    others = others_of(request.user, period, organizations)
    own = own_lines(request.user, periods, organizations, today)
    found = tables.evaluation_tables(own, others, period)
    return _download(request, found, ["自己評価", period.short_label], fmt)


@login_required
def export_compilation(request: HttpRequest, period_id: str, fmt: str) -> Download:
    period = get_object_or_404(ReportingPeriod.objects.select_related("plan"), pk=int(period_id))
    found = tables.compilation_tables(compile_period(period, request.user, _today()))
    return _download(request, found, ["取りまとめ", period.short_label], fmt)


@login_required
def export_cases(request: HttpRequest, fmt: str) -> Download:
    filter_form = CaseFilterForm(request.GET or None, years=case_years())
    found = tables.case_tables(request.user, filter_form.lookup(), _today())
    log_access(request.user, "cases.case_list.exported", "支援案件の一覧", detail=f"{fmt} {request.GET.urlencode()}")
    return _download(request, found, ["支援案件"], fmt)


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> Download:
    plan = plan_or_404(_plan_param(request))
    organization = blank_forms.template_organization(request.user)
    name = ["取込ひな形", "KPI一覧" if kind == "register" else "実績", organization.name if organization else ""]
    if kind == "register":
        found = blank_forms.register_template(request.user, plan)
    else:
        found = blank_forms.actuals_template(request.user, plan, _today())
    if fmt == "csv":
        found = found[:1]  # the sheet to fill in; 記入方法 is for the workbook
    return _download(request, found, name, fmt)
