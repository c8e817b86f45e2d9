"""Self-evaluation pages (半期ごとの自己評価): the list, one evaluation, writing it, and its workflow steps."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST

from chizai.kpis.access import get_organization_for_user
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import Plan
from chizai.lib.fiscal import Half
from chizai.organizations.types import AnyUser
from chizai.paging import paginate
from chizai.pdca import actions, rules
from chizai.pdca.forms import TEXT_FIELDS, OthersFilterForm, SelfEvaluationForm, TransitionForm
from chizai.pdca.listing import (
    EvaluationLine,
    others_queryset,
    own_lines,
    own_organizations,
    period_from_param,
    plan_periods,
    selected_period,
    selected_plan,
)
from chizai.pdca.models import RatingScale, SelfEvaluation, Status, Transition
from chizai.pdca.rules import EVALUATION_WORKFLOW, SUBMITTED_MESSAGE
from chizai.pdca.table import KpiRow, evaluation_rows
from chizai.workflow import Rule, perform

__all__ = ["EvaluationLine", "own_lines", "own_organizations", "selected_period", "selected_plan"]

CONFLICT_MESSAGE = (
    "保存できませんでした。この画面を開いた後に、他の利用者がこの自己評価を更新しています。"
    "あなたの入力はこの画面に残っています。下に示す最新の内容と見比べてから、もう一度「保存」を押してください"
    "（押すと、あなたの入力で上書きします）。"
)


def _today() -> datetime.date:
    return timezone.localdate()


# --- the list --------------------------------------------------------------------------------------------


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    today = _today()
    plans = list(Plan.objects.order_by("-number"))
    plan = selected_plan(plans, request.GET.get("plan"))
    periods = plan_periods(plan)
    period = selected_period(periods, request.GET.get("period"), today)
    organizations = own_organizations(request.user)
    context = {
        "plan": plan,
        "plans": plans,
        "periods": periods,
        "period": period,
        "groups": own_lines(request.user, periods, organizations, today),
        **_others(request, period, organizations),
        "is_reviewer": rules.reviews_evaluations(request.user),
        "today": today,
    }
    return render(request, "pdca/evaluation_list.html", context)


def _others(request: HttpRequest, period: Any, organizations: list[Any]) -> dict[str, Any]:
    """Other bodies' evaluations of the half year: filtered and one page at a time."""
    form = OthersFilterForm(request.GET or None, initial={"plan": request.GET.get("plan"), "period": period.param})
    paged = paginate(request, form.filter(others_queryset(request.user, period, organizations)))
    return {"others_form": form, "others": paged}


@login_required
@require_POST
def evaluation_start(request: HttpRequest, period: str, code: str) -> HttpResponse:
    organization = get_organization_for_user(request.user, code)
    period_to_start = period_from_param(period)
    evaluation = actions.start_evaluation(period=period_to_start, organization=organization, actor=request.user)
    if not rules.can_edit(request.user, evaluation):
        return redirect("pdca:evaluation_detail", evaluation.pk)
    return redirect("pdca:evaluation_edit", evaluation.pk)


# --- one evaluation ----------------------------------------------------------------------------------------


def _steps(user: AnyUser, evaluation: SelfEvaluation) -> list[Rule]:
    return EVALUATION_WORKFLOW.available(user, evaluation)


def _lines(rows: list[KpiRow], form: SelfEvaluationForm | None = None) -> list[tuple[KpiRow, Any, Any]]:
    """The KPI table's rows, with their rating and reason fields when the table is edited."""
    return form.row_fields() if form is not None else [(row, None, None) for row in rows]


def _return_note(evaluation: SelfEvaluation, transitions: list[Transition] | None = None) -> Transition | None:
    """Why the evaluation is back with its organisation (差戻し・再開), while it is."""
    if evaluation.status not in (Status.RETURNED, Status.REOPENED):
        return None
    if transitions is None:
        transitions = list(evaluation.transitions.select_related("actor", "actor_organization"))
    moves = [t for t in transitions if t.to_status == evaluation.status]
    return moves[-1] if moves else None


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A self-evaluation with its KPI table. The table (and what changed since acceptance) is the same for
    everyone who may see the evaluation: kept under the data's generation, the day and the rating scale, and
    computed lazily, so a kept page reads no KPI or figure."""
    evaluation = rules.get_evaluation_for_user(request.user, pk)
    today = _today()
    scale = RatingScale.current()

    def table() -> dict[str, Any]:
        rows = evaluation_rows(evaluation, today, scale=scale)
        return {"lines": _lines(rows), "changed_rows": [row for row in rows if row.changes]}

    transitions = list(evaluation.transitions.select_related("actor", "actor_organization"))
    context = {
        "evaluation": evaluation,
        "table": SimpleLazyObject(table),
        "first_half": evaluation.period.half == Half.FIRST,
        "scale": scale,
        "steps": _steps(request.user, evaluation),
        "can_edit": rules.can_edit(request.user, evaluation),
        "transitions": transitions,
        "return_note": _return_note(evaluation, transitions),
        "today": today,
    }
    return render(request, "pdca/evaluation_detail.html", context)


def _form_context(
    evaluation: SelfEvaluation, form: SelfEvaluationForm, scale: RatingScale, stored: SelfEvaluation | None = None
) -> dict[str, Any]:
    """The edit page; after a conflict `stored` is what the other person saved, shown beside the input."""
    differing = []
    if stored is not None and form.is_bound:
        differing = [
            (SelfEvaluation.field_label(name), getattr(stored, name))
            for name in TEXT_FIELDS
            if getattr(stored, name).strip() != form.data.get(name, getattr(stored, name)).strip()
        ]
    return {
        "evaluation": evaluation,
        "form": form,
        "lines": _lines(form.rows, form),
        "editing": True,
        "first_half": evaluation.period.half == Half.FIRST,
        "scale": scale,
        "today": _today(),
        "stored": stored,
        "return_note": _return_note(evaluation),
        "differing": differing,
    }


def _after_conflict(
    request: HttpRequest, evaluation: SelfEvaluation, rows: list[KpiRow], scale: RatingScale
) -> HttpResponse:
    """Keep everything the user typed; the next save (now against the stored version) overwrites knowingly."""
    stored = SelfEvaluation.objects.get(pk=evaluation.pk)
    data = request.POST.copy()
    data["version"] = str(stored.version)
    form = SelfEvaluationForm(data, evaluation=evaluation, rows=rows)
    form.is_valid()
    form.add_error(None, CONFLICT_MESSAGE)
    return render(request, "pdca/evaluation_form.html", _form_context(evaluation, form, scale, stored))


def _submit_after_save(request: HttpRequest, evaluation: SelfEvaluation) -> HttpResponse:
    try:
        actions.submit_evaluation(evaluation=evaluation, actor=request.user, today=_today())
    except ValidationError as error:
        messages.info(request, "入力内容は保存しましたが、まだ提出できません。")
        for message in error.messages:
            messages.error(request, message)
        return redirect("pdca:evaluation_edit", evaluation.pk)
    messages.success(request, SUBMITTED_MESSAGE)
    return redirect("pdca:evaluation_detail", evaluation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = rules.get_evaluation_for_user(request.user, pk, write=True)
    if not rules.can_edit(request.user, evaluation):
        messages.info(request, f"この自己評価は「{evaluation.status_label}」のため編集できません。")
        return redirect("pdca:evaluation_detail", evaluation.pk)
    scale = RatingScale.current()
    rows = evaluation_rows(evaluation, _today(), scale=scale)
    if request.method == "POST":
        form = SelfEvaluationForm(request.POST, evaluation=evaluation, rows=rows)
        if form.is_valid():
            try:
                saved = actions.save_evaluation(
                    evaluation=evaluation,
                    texts=form.texts,
                    ratings=form.ratings,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                )
            except ConflictError:
                return _after_conflict(request, evaluation, rows, scale)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
                return render(request, "pdca/evaluation_form.html", _form_context(evaluation, form, scale))
            if "save_and_submit" in request.POST:
                return _submit_after_save(request, saved)
            messages.success(request, "保存しました。")
            return redirect("pdca:evaluation_detail", evaluation.pk)
        return render(request, "pdca/evaluation_form.html", _form_context(evaluation, form, scale))
    form = SelfEvaluationForm(
        initial=SelfEvaluationForm.initial_for(evaluation, rows), evaluation=evaluation, rows=rows
    )
    return render(request, "pdca/evaluation_form.html", _form_context(evaluation, form, scale))


@login_required
@require_POST
def evaluation_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in EVALUATION_WORKFLOW.actions():
        raise Http404("この操作はありません。")
    evaluation = rules.get_evaluation_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("pdca:evaluation_detail", evaluation.pk)
    perform(request, obj=evaluation, action=action, comment=form.cleaned_data["comment"], today=_today())
    return redirect("pdca:evaluation_detail", evaluation.pk)
