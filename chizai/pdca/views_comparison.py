"""Prefectures side by side (都道府県の比較) and the reviewer's one-click 督促 to late bodies."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from chizai.kpis.models import Plan
from chizai.organizations.permissions import primary_organization
from chizai.pdca.comparison import compare
from chizai.pdca.reminders import send_urgent_reminders


def _today() -> datetime.date:
    """The pages' "today" (a hook the tests pin)."""
    return timezone.localdate()


def _plan(request: HttpRequest) -> Plan:
    raw = request.POST.get("plan") or request.GET.get("plan", "")
    plan = Plan.objects.numbered_or_latest(int(raw) if raw.isdigit() else None)
    if plan is None:
        raise Http404("計画が登録されていません。")
    return plan


@login_required
@require_GET
def comparison(request: HttpRequest) -> HttpResponse:
    plan = _plan(request)
    today = _today()
    sort = request.GET.get("sort", "")
    context = {
        "comparison": compare(request.user, plan, today, sort=sort),
        "plan": plan,
        "plans": Plan.objects.order_by("-number"),
        "today": today,
        "here": request.get_full_path(),
    }
    return render(request, "pdca/comparison.html", context)


@login_required
@require_POST
def comparison_remind(request: HttpRequest) -> HttpResponse:
    """督促: e-mail the late bodies chosen (one, or every late body shown) through the reminder mechanism."""
    plan = _plan(request)
    today = _today()
    table = compare(request.user, plan, today)
    code = request.POST.get("organization", "")
    rows = table.rows if not code else [row for row in table.rows if row.organization.code == code]
    if code and not rows:
        raise Http404("関係主体が見つかりません。")
    if not any(row.may_remind for row in rows):
        raise PermissionDenied("督促を送信できるのは、その関係主体を確認する局・特許庁の担当者です。")
    overdue = [
        (
            row.organization,
            [row.periods[p.pk] for p in table.periods if p.pk in row.periods and row.periods[p.pk].overdue],
        )
        for row in rows
        if row.may_remind and row.overdue
    ]
    home = primary_organization(request.user)
    report = send_urgent_reminders(
        overdue=overdue, actor=request.user, today=today, urged_by=home.display_name if home else "特許庁"
    )
    level = messages.SUCCESS if report.sent else messages.INFO
    for line in report.messages():
        messages.add_message(request, level, line)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("pdca:comparison")
    return redirect(back)
