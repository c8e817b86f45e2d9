"""Pages of hands-on support: the case list and page, referral, the case record, stage moves, overdue cases,
companies, and the drill-through from a KPI counted from cases to the cases behind its number."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from chizai.audit.generation import kept
from chizai.audit.log import log_access
from chizai.cases import actions
from chizai.cases.access import (
    CASE_RELATED,
    FULL,
    Access,
    can_open_push_cases,
    can_refer,
    can_register_companies,
    can_write_case,
    case_access,
    get_case_for_user,
    get_company_for_user,
    overdue_cases,
    referring_organizations,
    registering_organization,
)
from chizai.cases.counting import cases_behind, rule_of
from chizai.cases.forms import (
    CaseFilterForm,
    CaseRecordForm,
    CompanyForm,
    ExpertSupportForm,
    IssueForm,
    ReferralForm,
    StageForm,
    case_years,
)
from chizai.cases.history import StagePeriod, stage_history
from chizai.cases.labels import date_label, fiscal_year_label, fiscal_year_wareki, wareki_or_blank
from chizai.cases.models import (
    STAGE_ORDER,
    CaseIssue,
    Company,
    ExpertSupport,
    ExpertSupportStatus,
    IssueCategory,
    Stage,
    SupportCase,
)
from chizai.kpis.access import get_kpi_for_user
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import Actual, HalfChoice
from chizai.paging import paginate


def _today() -> datetime.date:
    return timezone.localdate()


@dataclass(frozen=True)
class CaseRow:
    """A case as a list shows it: what the user may see of it, the time in stage and the due date."""

    case: SupportCase
    access: Access | None
    days_in_stage: int
    overdue: bool
    opened_on_wareki: str
    due_date_wareki: str
    fiscal_year_wareki: str

    @property
    def full(self) -> bool:
        return self.access == FULL


def _rows(cases: Iterable[SupportCase], request: HttpRequest, today: datetime.date) -> list[CaseRow]:
    return [
        CaseRow(
            case=case,
            access=case_access(request.user, case),
            days_in_stage=case.days_in_stage(today),
            overdue=case.is_overdue(today),
            opened_on_wareki=wareki_or_blank(case.opened_on),
            due_date_wareki=wareki_or_blank(case.stage_due_date),
            fiscal_year_wareki=fiscal_year_wareki(case.fiscal_year),
        )
        for case in cases
    ]


def _stage_counts(cases: QuerySet[SupportCase]) -> dict[str, Any]:
    """Cases per fiscal year and stage: what everyone may see of the cases they cannot open."""
    table: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STAGE_ORDER, 0))
    for row in cases.order_by().values("fiscal_year", "stage").annotate(n=Count("pk")):
        table[row["fiscal_year"]][row["stage"]] = row["n"]
    years = [
        {
            "year": year,
            "wareki": fiscal_year_wareki(year),
            "cells": [table[year][s] for s in STAGE_ORDER],
            "total": sum(table[year].values()),
        }
        for year in sorted(table, reverse=True)
    ]
    return {"stages": [Stage(s).label for s in STAGE_ORDER], "years": years}


def _kept_stage_counts(request: HttpRequest, lookup: dict[str, Any]) -> dict[str, Any]:
    """`_stage_counts` of the national cases under `lookup`, kept under the data's generation: they are the same
    for every user, and counting 50,000 cases on every page of the list costs more than the page itself."""
    narrowed = "&".join(f"{name}={value}" for name, value in sorted(lookup.items()))
    return kept(request, "case-stage-counts", lambda: _stage_counts(SupportCase.objects.filter(**lookup)), narrowed)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    filter_form = CaseFilterForm(request.GET or None, years=case_years())
    cases = SupportCase.objects.visible_to(request.user).filter(**filter_form.lookup()).select_related(*CASE_RELATED)
    paged = paginate(request, cases.order_by("-fiscal_year", "-opened_on", "-pk"))
    context = {
        "filter_form": filter_form,
        "paged": paged,
        "rows": _rows(paged.items, request, today),
        "counts": _kept_stage_counts(request, filter_form.national_lookup()),
        "filtered": filter_form.filtered,
        "can_start": can_refer(request.user),
        "overdue_count": overdue_cases(request.user, today).count(),
        "today": today,
    }
    return render(request, "cases/case_list.html", context)


@login_required
def case_overdue(request: HttpRequest) -> HttpResponse:
    today = _today()
    rows = _rows(overdue_cases(request.user, today), request, today)
    return render(request, "cases/case_overdue.html", {"rows": rows, "today": today, "today_label": date_label(today)})


# Starting a case


def _referral_form(request: HttpRequest, data: Any = None) -> ReferralForm:
    return ReferralForm(
        data,
        user=request.user,
        referrers=referring_organizations(request.user),
        may_push=can_open_push_cases(request.user),
        today=_today(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    if not can_refer(request.user):
        raise PermissionDenied("企業を紹介できるのは、各関係主体の編集者・管理者です。")
    form = _referral_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            case = _start_case(request, form)
        except ValidationError as error:
            field = "corporate_number" if getattr(error, "code", "") == "duplicate" else None
            form.add_error(field, error.messages[0])
        else:
            existing = "（登録済みの企業情報を使いました）" if form.existing is not None else ""
            messages.success(request, f"「{case.company.name}」の支援案件を登録しました{existing}。")
            return redirect("cases:case_detail", pk=case.pk)
    status = 422 if form.is_bound else 200
    return render(request, "cases/case_create.html", {"form": form}, status=status)


def _start_case(request: HttpRequest, form: ReferralForm) -> SupportCase:
    data = form.cleaned_data
    common = {"company": form.company(), "actor": request.user, "opened_on": data["opened_on"], "note": data["note"]}
    if form.is_push:
        return actions.open_case(**common)
    return actions.refer_case(referred_by=data["referred_by"], **common)


# The case page


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # done, current, skipped, todo

    @property
    def state_label(self) -> str:
        return {"done": "完了", "current": "現在", "skipped": "省略", "todo": "未着手"}[self.state]


def stepper(case: SupportCase, periods: list[StagePeriod]) -> list[Step]:
    """The 8 stages of the accompanying-support model, each done, current, skipped or still to come."""
    visited = {p.change.to_stage for p in periods}
    current = STAGE_ORDER.index(case.stage)
    steps = []
    for index, stage in enumerate(STAGE_ORDER):
        if index == current:
            state = "current" if case.stage != Stage.CLOSED else "done"
        elif index < current:
            state = "done" if stage in visited else "skipped"
        else:
            state = "todo"
        steps.append(Step(Stage(stage).label, state))
    return steps


def _issues_by_category(issues: list[CaseIssue]) -> list[tuple[str, list[CaseIssue]]]:
    grouped: dict[str, list[CaseIssue]] = defaultdict(list)
    for issue in issues:
        grouped[issue.category].append(issue)
    return [(IssueCategory(c).label, grouped[c]) for c in IssueCategory.values if c in grouped]


def _similar(case: SupportCase, issues: list[CaseIssue]) -> list[Any] | None:
    """The similar model cases with how similar (in words) and why: the issue categories they share with the case."""
    try:
        from chizai.cases.model_cases import category_labels, similar_model_cases
    except ImportError:  # the model-case module is not there (yet): no box
        return None
    own = {issue.category for issue in issues}
    return [
        (model_case, score, category_labels([c for c in model_case.issue_categories if c in own]))
        for model_case, score in similar_model_cases(case)
    ]


def _full_context(request: HttpRequest, case: SupportCase, forms: dict[str, Any]) -> dict[str, Any]:
    writable = can_write_case(request.user, case)
    if writable and case.stage != Stage.CLOSED:
        forms.setdefault("stage_form", StageForm(case=case))
    if writable:
        forms.setdefault("issue_form", IssueForm())
        forms.setdefault("expert_form", ExpertSupportForm())
    supports = list(case.expert_supports.all())
    issues = list(case.issues.all())
    return {
        "can_write": writable,
        "issues": _issues_by_category(issues),
        "issue_count": len(issues),
        "expert_supports": [
            {"support": s, "start": date_label(s.start_date), "end": date_label(s.end_date)} for s in supports
        ],
        "similar": _similar(case, issues),
        "has_model_case": hasattr(case, "model_case"),
        "followed_up_on": date_label(case.followed_up_on),
        "tags": list(case.company.tags.all()),
        "status_choices": ExpertSupportStatus.choices,
        **forms,
    }


def _detail(request: HttpRequest, case: SupportCase, status: int = 200, **forms: Any) -> HttpResponse:
    today = _today()
    access = case_access(request.user, case)
    periods = stage_history(list(case.stage_changes.select_related("actor")), today)
    context: dict[str, Any] = {
        "case": case,
        "full": access == FULL,
        "steps": stepper(case, periods),
        "history": [{"period": p, "started": date_label(p.started_on)} for p in periods],
        "days_in_stage": case.days_in_stage(today),
        "overdue": case.is_overdue(today),
        "fiscal_year_label": fiscal_year_label(case.fiscal_year),
        "opened_on": date_label(case.opened_on),
        "closed_on": date_label(case.closed_on),
        "due_date": date_label(case.stage_due_date),
    }
    if access == FULL:
        context.update(_full_context(request, case, forms))
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        case = get_case_for_user(request.user, pk)
        log_access(request.user, "cases.case.viewed", case)
        return _detail(request, case)
    case = get_case_for_user(request.user, pk, write=True)
    handler = {
        "issue": _post_issue,
        "remove_issue": _post_remove_issue,
        "expert": _post_expert,
        "expert_status": _post_expert_status,
    }.get(request.POST.get("form", ""))
    if handler is None:
        raise Http404("不明な操作です。")
    return handler(request, case)


def _redirect_to(case: SupportCase, anchor: str) -> HttpResponse:
    response = redirect("cases:case_detail", pk=case.pk)
    response["Location"] += f"#{anchor}"
    return response


def _post_issue(request: HttpRequest, case: SupportCase) -> HttpResponse:
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, status=422, issue_form=form)
    actions.add_issue(case=case, **form.cleaned_data, actor=request.user)
    messages.success(request, "課題を追加しました。")
    return _redirect_to(case, "issues")


def _post_remove_issue(request: HttpRequest, case: SupportCase) -> HttpResponse:
    raw = request.POST.get("issue", "")
    issue = case.issues.filter(pk=int(raw)).first() if raw.isdigit() else None
    if issue is None:
        raise Http404("課題が見つかりません。")
    actions.remove_issue(issue=issue, actor=request.user)
    messages.success(request, "課題を削除しました。")
    return _redirect_to(case, "issues")


def _post_expert(request: HttpRequest, case: SupportCase) -> HttpResponse:
    form = ExpertSupportForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, status=422, expert_form=form)
    actions.add_expert_support(case=case, **form.cleaned_data, actor=request.user)
    messages.success(request, "専門家支援を追加しました。")
    return _redirect_to(case, "expert-support")


def _post_expert_status(request: HttpRequest, case: SupportCase) -> HttpResponse:
    raw = request.POST.get("support", "")
    support: ExpertSupport | None = case.expert_supports.filter(pk=int(raw)).first() if raw.isdigit() else None
    status = request.POST.get("status", "")
    if support is None or status not in ExpertSupportStatus.values:
        raise Http404("専門家支援が見つかりません。")
    actions.update_expert_support(support=support, changes={"status": status}, actor=request.user)
    messages.success(
        request, f"専門家支援（{support.expert_type}）の状況を「{support.get_status_display()}」にしました。"
    )
    return _redirect_to(case, "expert-support")


@login_required
@require_POST
def case_stage(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, write=True)
    form = StageForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.move_stage(
                case=case,
                to_stage=data["to_stage"],
                actor=request.user,
                note=data["note"],
                due_date=data["due_date"],
                expected_version=data["version"],
            )
        except ConflictError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"段階を「{case.get_stage_display()}」に進めました。")
            return _redirect_to(case, "stage")
    case.refresh_from_db()
    return _detail(request, case, status=422, stage_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, write=True)
    if request.method != "POST":
        form = CaseRecordForm(instance=case, initial={"version": case.version})
        return render(request, "cases/case_edit.html", {"case": case, "form": form})
    form = CaseRecordForm(request.POST, instance=SupportCase(pk=case.pk, stage=case.stage))
    if form.is_valid():
        try:
            actions.save_case_record(
                case=case, changes=form.changes(), expected_version=form.cleaned_data["version"], actor=request.user
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            case.refresh_from_db()
            return render(request, "cases/case_edit.html", {"case": case, "form": form, "conflict": True}, status=409)
        messages.success(request, "支援の記録を保存しました。")
        return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_edit.html", {"case": case, "form": form}, status=422)


# Companies


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    companies = (
        Company.objects.visible_to(request.user)
        .select_related("prefecture")
        .prefetch_related("tags")
        .order_by("name", "pk")
    )
    context = {"companies": companies, "can_register": can_register_companies(request.user)}
    return render(request, "cases/company_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    organization = registering_organization(request.user)
    if organization is None or not can_register_companies(request.user):
        raise PermissionDenied("企業を登録できるのは、各関係主体の編集者・管理者です。")
    form = CompanyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            company = actions.create_company(
                **vars(form.company_data()), registered_by=organization, actor=request.user
            )
        except ValidationError as error:
            field = "corporate_number" if getattr(error, "code", "") == "duplicate" else None
            form.add_error(field, error.messages[0])
        else:
            messages.success(request, f"「{company.name}」を登録しました。")
            return redirect("cases:company_detail", pk=company.pk)
    status = 422 if form.is_bound else 200
    return render(request, "cases/company_create.html", {"form": form, "organization": organization}, status=status)


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for_user(request.user, pk)
    log_access(request.user, "cases.company.viewed", company)
    today = _today()
    cases = SupportCase.objects.visible_to(request.user).filter(company=company).select_related(*CASE_RELATED)
    context = {
        "company": company,
        "tags": list(company.tags.all()),
        "rows": _rows(cases, request, today),
        "can_start": can_refer(request.user),
    }
    return render(request, "cases/company_detail.html", context)


# The drill-through from a KPI counted from cases


@login_required
def kpi_drill(request: HttpRequest, kpi_pk: int, year: int) -> HttpResponse:
    kpi = get_kpi_for_user(request.user, kpi_pk)
    if not kpi.counting_rule:
        raise Http404("このKPIは支援案件から集計していません。")
    rule = rule_of(kpi)
    elsewhere = rule.drill_url(kpi, year) if rule is not None else None
    if elsewhere:
        return redirect(elsewhere)
    today = _today()
    cases = list(cases_behind(kpi, year, request.user))
    actual = Actual.objects.filter(kpi=kpi, start_year=year, end_year=year, half=HalfChoice.FULL).first()
    context = {
        "kpi": kpi,
        "year": year,
        "rule": rule,
        "actual": actual,
        "rows": _rows(cases, request, today),
        "counted": sum(1 for c in cases if getattr(c, "counted", True)),
        "hidden": sum(1 for c in cases if case_access(request.user, c) is None),
        "kpi_url": reverse("kpis:kpi_detail", args=[kpi.pk]),
    }
    return render(request, "cases/kpi_drill.html", context)
