"""KPI revision pages (KPIの見直し: propose, list, detail with report / withdraw) and notices (お知らせ)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from chizai.kpis import actions, revisions
from chizai.kpis.access import get_kpi_for_user
from chizai.kpis.forms_revisions import RevisionFilterForm, RevisionForm, default_effective_year
from chizai.kpis.models import Kpi, KpiRevision, RevisionStatus
from chizai.paging import paginate

PAGE_SIZE_NOTICES = 20  # whole notices, not table rows
REPORTED_MESSAGE = "見直しを報告済みにし、KPIに適用しました。全ての関係主体にお知らせを掲載しました。"


def _today() -> datetime.date:
    return timezone.localdate()


def _effective_year(kpi: Kpi, raw: str | None) -> int:
    if raw and raw.isdigit() and int(raw) in kpi.plan.fiscal_years:
        return int(raw)
    return default_effective_year(kpi, _today())


def _propose(form: RevisionForm, kpi: Kpi, actor: Any) -> KpiRevision | None:
    data = form.cleaned_data
    try:
        return actions.propose_revision(
            kpi=kpi,
            effective_year=data["effective_year"],
            new_name=data["new_name"],
            new_baseline_value=data.get("new_baseline_value"),
            new_targets=form.new_targets(),
            vision_change=data["vision_change"],
            actor=actor,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def revision_propose(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = get_kpi_for_user(request.user, pk)
    if not revisions.can_propose(request.user, kpi):
        raise PermissionDenied("このKPIの見直しを提案する権限がありません。")
    if request.method == "POST":
        effective_year = _effective_year(kpi, request.POST.get("effective_year"))
        form = RevisionForm(request.POST, kpi=kpi, effective_year=effective_year)
        revision = _propose(form, kpi, request.user) if form.is_valid() else None
        if revision is not None:
            messages.success(request, "KPIの見直しを提案しました。報告されると、適用開始年度から目標が変わります。")
            return redirect("kpis:revision_detail", revision.pk)
        return render(request, "kpis/revision_form.html", {"kpi": kpi, "form": form})
    form = RevisionForm(kpi=kpi, effective_year=_effective_year(kpi, request.GET.get("effective_year")))
    # When the effective year is switched, the page reloads with what was typed so far.
    form.initial.update({k: v for k, v in request.GET.items() if k in form.fields and k != "effective_year"})
    return render(request, "kpis/revision_form.html", {"kpi": kpi, "form": form})


@login_required
@require_GET
def revision_list(request: HttpRequest) -> HttpResponse:
    """Every revision the user sees, pending first, filtered and one page at a time."""
    form = RevisionFilterForm(request.GET or None, user=request.user)
    paged = paginate(request, form.filter(revisions.revisions_visible_to(request.user)))
    context = {"form": form, "paged": paged, "filtered": form.is_bound and form.has_changed()}
    return render(request, "kpis/revision_list.html", context)


def _target_rows(revision: KpiRevision) -> list[dict[str, Any]]:
    rows = []
    for year_text, (old, new) in sorted(revision.target_changes.items()):
        year = int(year_text)
        rows.append(
            {
                "year": year,
                "label": revision.kpi.label_period(year, year),
                "old": None if old is None else Decimal(old),
                "new": None if new is None else Decimal(new),
            }
        )
    return rows


def _transition(request: HttpRequest, revision: KpiRevision) -> HttpResponse:
    if not (revisions.may_report(request.user, revision.kpi) or revisions.can_propose(request.user, revision.kpi)):
        raise PermissionDenied("この見直しを報告・取り下げる権限がありません。")
    action = request.POST.get("action")
    try:
        if action == "report":
            if not revision.kpi.owner.is_central:
                raise ValidationError("地域KPIの見直しは、地域連絡会議の決定事項として報告します。")
            actions.report_revision(revision=revision, actor=request.user)
            messages.success(request, REPORTED_MESSAGE)
        elif action == "withdraw":
            actions.withdraw_revision(revision=revision, actor=request.user)
            messages.success(request, "見直しを取り下げました。")
        else:
            return HttpResponseBadRequest("不明な操作です。")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("kpis:revision_detail", revision.pk)


@login_required
@require_http_methods(["GET", "POST"])
def revision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    revision = revisions.get_revision_for_user(request.user, pk)
    if request.method == "POST":
        return _transition(request, revision)
    central = revision.kpi.owner.is_central
    context = {
        "revision": revision,
        "kpi": revision.kpi,
        "central": central,
        "name_changed": revision.new_name != revision.old_name,
        "baseline_changed": revision.new_baseline_value != revision.old_baseline_value,
        "target_rows": _target_rows(revision),
        "can_report": central and revisions.can_report(request.user, revision),
        "awaits_meeting": not central and revision.status == RevisionStatus.PROPOSED,
        "can_withdraw": revisions.can_withdraw(request.user, revision),
    }
    return render(request, "kpis/revision_detail.html", context)


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    paged = paginate(request, revisions.notices_for(request.user), per_page=PAGE_SIZE_NOTICES)
    return render(request, "kpis/notice_list.html", {"paged": paged})
