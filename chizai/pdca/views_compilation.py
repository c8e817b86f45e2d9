"""Compilation (取りまとめ) of a half year's self-evaluations, and the end-of-plan evaluation of a plan."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from chizai.kpis.models import Plan
from chizai.organizations.permissions import sees_everything
from chizai.pdca.compilation import (
    CENTRAL,
    STATUS_COLUMNS,
    compilation_scope,
    compile_period,
    end_of_plan_evaluation,
)
from chizai.pdca.models import ReportingPeriod


@login_required
@require_GET
def compilation(request: HttpRequest, period_id: int) -> HttpResponse:
    """A block's (bureau) or the nation's (JPO) self-evaluations of one half year, side by side; the nation's page
    shows every block's state and the bodies of one section at a time (?section=, the central bodies first)."""
    period = get_object_or_404(ReportingPeriod.objects.select_related("plan"), pk=period_id)
    today = timezone.localdate()
    section = request.GET.get("section") or CENTRAL
    user = request.user
    scope = compilation_scope(user)
    context = {
        # Who may see it, and what (the nation or the user's blocks), is asked on every request; the compilation
        # itself is kept under the data's generation, the day, the section and the user, and computed lazily.
        "scope": scope,
        "compilation": SimpleLazyObject(lambda: compile_period(period, user, today, section=section, scope=scope)),
        "shown_section": section,
        "period": period,
        "periods": ReportingPeriod.objects.filter(plan_id=period.plan_id),
        "status_columns": STATUS_COLUMNS,
        "today": today,
    }
    return render(request, "pdca/compilation.html", context)


@login_required
@require_GET
def final_evaluation(request: HttpRequest, number: int) -> HttpResponse:
    """The end-of-plan evaluation: every KPI's results over the plan, scoped to what the user may see. The page
    is kept under the data's generation, the day and the scope (the nation for JPO, else the user): computed
    lazily, so a kept page reads no figure."""
    plan = get_object_or_404(Plan, number=number)
    today = timezone.localdate()
    user = request.user
    context = {
        "final": SimpleLazyObject(lambda: end_of_plan_evaluation(plan, user, today)),
        "plan": plan,
        "today": today,
        "scope": "all" if sees_everything(user) else f"user-{user.pk}",
    }
    return render(request, "pdca/final_evaluation.html", context)
