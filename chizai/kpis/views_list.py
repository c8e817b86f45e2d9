"""The KPI list (KPI一覧): every KPI the user sees, filtered and one page at a time, with its result for a year."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from chizai.kpis import figures
from chizai.kpis.comparison import current_fiscal_year
from chizai.kpis.forms import KpiFilterForm
from chizai.kpis.models import Kpi, Plan
from chizai.organizations.models import Organization
from chizai.paging import paginate


def _today() -> datetime.date:
    """The page's "today" (a hook the tests pin)."""
    return timezone.localdate()


def _chosen_plan(plans: list[Plan], raw: str | None) -> Plan:
    """The plan asked for by number, else the newest one."""
    chosen = next((p for p in plans if raw and raw.isdigit() and p.number == int(raw)), None)
    return chosen or plans[0]


@login_required
@require_GET
def kpi_list(request: HttpRequest) -> HttpResponse:
    plans = list(Plan.objects.order_by("-number"))
    if not plans:
        raise Http404("計画が登録されていません。")
    today = _today()
    plan = _chosen_plan(plans, request.GET.get("plan"))
    visible = Kpi.objects.for_plan(plan).visible_to(request.user)
    owners = Organization.objects.filter(Q(pk__in=visible.values("owner_id")))
    default_year = current_fiscal_year(plan, today)
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(default_year)  # the select shows the year the list shows, and 絞り込む keeps it
    form = KpiFilterForm(data, plans=plans, plan=plan, owners=owners)
    year = form.values().get("year") or default_year
    kpis = form.filter(visible, year, today).select_related("owner")
    paged = paginate(request, kpis.order_by("sort_order", "pk"))
    shown = list(paged.items)
    stored = figures.load(shown, year=year, first_halves=False)
    context = {
        "plan": plan,
        "year": year,
        "form": form,
        "filtered": form.filtered,
        "paged": paged,
        "rows": [(kpi, stored.for_year(kpi, year, today)) for kpi in shown],
        "today": today,
    }
    return render(request, "kpis/kpi_list.html", context)
