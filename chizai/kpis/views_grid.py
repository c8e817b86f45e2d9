"""The entry grid page (実績の一括入力): all of an organisation's KPIs × 上期・下期・通期 of a fiscal year.

A plain form POST (keyboard moves and pasting a block from Excel are added by static/chizai/grid.js).
Editors of the organisation save; everyone else who may see the organisation reads the grid.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from chizai.kpis.access import get_organization_for_user
from chizai.kpis.actions import ConflictError, RowsRefused, save_actuals
from chizai.kpis.dashboard import plan_or_404
from chizai.kpis.grid import Grid, bind, build_grid
from chizai.kpis.models import Kpi, Plan
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, primary_organization
from chizai.organizations.types import AnyUser

GRID_PERMISSION_MESSAGE = "この関係主体の実績を入力する権限がありません。"


def _today() -> datetime.date:
    """The pages' "today" (a hook the tests pin)."""
    return timezone.localdate()


def _plan(request: HttpRequest) -> Plan:
    raw = request.GET.get("plan", "")
    return plan_or_404(int(raw) if raw.isdigit() else None)


def _year(request: HttpRequest, plan: Plan, today: datetime.date) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in plan.fiscal_years:
        return int(raw)
    current = today.year if today.month >= 4 else today.year - 1
    return min(max(current, plan.first_fiscal_year), plan.last_fiscal_year)


def edited_organizations(user: AnyUser, plan: Plan) -> list[Organization]:
    """The organisations owning KPIs of the plan whose figures the user enters (for the organisation switch)."""
    owners = Organization.objects.filter(pk__in=Kpi.objects.for_plan(plan).values("owner_id"))
    ordered = owners.select_related("bureau").order_by("sort_order", "jis_code", "code")
    return [o for o in ordered if can_edit_organization(user, o)]


def _grid_url(organization: Organization, plan: Plan, year: int) -> str:
    return f"{reverse('kpis:organization_grid', args=[organization.code])}?plan={plan.number}&year={year}"


@login_required
@require_GET
def grid_start(request: HttpRequest) -> HttpResponse:
    """The grid of the organisation chosen (?org=code), else of the first organisation the user edits."""
    plan = _plan(request)
    year = _year(request, plan, _today())
    code = request.GET.get("org", "")
    if not code:
        edited = edited_organizations(request.user, plan)
        home = edited[0] if edited else primary_organization(request.user)
        if home is None:
            raise PermissionDenied(GRID_PERMISSION_MESSAGE)
        code = home.code
    organization = get_organization_for_user(request.user, code)
    return redirect(_grid_url(organization, plan, year))


@login_required
@require_http_methods(["GET", "POST"])
def organization_grid(request: HttpRequest, code: str) -> HttpResponse:
    organization = get_organization_for_user(request.user, code)
    can_edit = can_edit_organization(request.user, organization)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(GRID_PERMISSION_MESSAGE)
    plan = _plan(request)
    today = _today()
    year = _year(request, plan, today)
    grid = build_grid(organization, plan, year, today)
    if request.method == "POST":
        saved = _save(request, grid)
        if saved:
            return redirect(_grid_url(organization, plan, year))
    context = {
        "grid": grid,
        "organization": organization,
        "plan": plan,
        "plans": Plan.objects.order_by("-number"),
        "year": year,
        "can_edit": can_edit and grid.editable,
        "may_edit": can_edit,
        "organizations": edited_organizations(request.user, plan) if can_edit else [],
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "kpis/grid.html", context, status=status)


def _save(request: HttpRequest, grid: Grid) -> bool:
    """Validate every cell, then write all changed cells in one transaction; False (nothing written) otherwise."""
    rows = bind(grid, request.POST)
    if grid.errors or grid.conflicts:
        return False
    if not rows:
        messages.info(request, "変更されたセルはありませんでした。")
        return True
    try:
        result = save_actuals(rows=[value for _, value in rows], actor=request.user)
    except RowsRefused as refused:
        for index, message in refused.problems:
            rows[index][0].error = message
        return False
    except ConflictError as error:
        grid.problems.append(error.message)
        return False
    except ValidationError as error:
        grid.problems.extend(error.messages)
        return False
    counts = f"新規 {result.created}件・更新 {result.updated}件・削除 {result.deleted}件"
    messages.success(request, f"{grid.year}年度の実績を保存しました（{counts}）。")
    return True
