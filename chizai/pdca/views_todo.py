"""The to-do page (やること): what waits for the reviewer or the editor who is looking at it.

A bureau reviewer sees its block's submissions to confirm, returned reports and late bodies; a JPO reviewer
the confirmed ones to accept, every return and the late bodies of the whole country by block; an editor
the own organisation's evaluations with their due dates and anything returned to it.

Every period still waiting for someone is listed: the open ones and any earlier one with a body still late
(an overdue 2025年度上期 stays until it is handed in). Each row links straight to the action: the form to
write, or the evaluation to confirm, with its buttons.
"""

from __future__ import annotations

import datetime
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate

from chizai.lib.fiscal import Half, half_end
from chizai.organizations.permissions import is_block_reviewer, is_jpo_reviewer
from chizai.organizations.types import AnyUser
from chizai.pdca import rules
from chizai.pdca.deadlines import DeadlineRow, is_open, period_status
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status, Transition

QUEUE_STATUSES = (Status.SUBMITTED, Status.REVIEWED, Status.RETURNED)
CENTRAL_GROUP = "中央"
TODO_WINDOW_DAYS = 2 * 365


def _reviews_block_of(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    return is_block_reviewer(user, evaluation.organization)


def _edited_organization_ids(user: AnyUser) -> list[int]:
    return [o.pk for o in rules.edited_organizations(user)]


def _queue(user: AnyUser) -> list[SelfEvaluation]:
    """The visible evaluations that wait for someone, each with its returns (latest first) as `returns`."""
    returns = Transition.objects.filter(to_status=Status.RETURNED).select_related("actor_organization")
    return list(
        SelfEvaluation.objects.visible_to(user)
        .filter(status__in=QUEUE_STATUSES)
        .select_related("period", "period__plan", "organization", "organization__bureau")
        .prefetch_related(Prefetch("transitions", queryset=returns.order_by("-at", "-pk"), to_attr="returns"))
    )


def _block_label(row: DeadlineRow) -> str:
    bureau = row.organization.bureau
    return f"{bureau.block_name}ブロック" if bureau else CENTRAL_GROUP


def todo_periods(today: datetime.date) -> list[ReportingPeriod]:
    """Every period whose half year is over and whose due date is less than two years ago, the most recent
    first (older gaps belong to the end-of-plan evaluation, not to a to-do list)."""
    since = today - datetime.timedelta(days=TODO_WINDOW_DAYS)
    periods = ReportingPeriod.objects.select_related("plan").filter(due_date__gte=since)
    return [p for p in periods.order_by("-due_date", "-plan__number") if half_end(p.fiscal_year, Half(p.half)) < today]


def _overdue(periods: list[ReportingPeriod], today: datetime.date, scope: Q | None) -> list[dict[str, Any]]:
    """Per period, the late bodies grouped by regional block (central bodies first); a closed period only
    while someone is still late."""
    sections = []
    for period in periods:
        late = [row for row in period_status(period, today, scope) if row.overdue]
        if not late and not is_open(period, today):
            continue
        groups = [(label, list(rows)) for label, rows in groupby(late, key=_block_label)]
        sections.append({"period": period, "groups": groups, "count": len(late)})
    return sections


def _reviewer_context(
    user: AnyUser, queue: list[SelfEvaluation], periods: list[ReportingPeriod], today: datetime.date
) -> dict[str, Any]:
    is_jpo = is_jpo_reviewer(user)
    bureaus = rules.reviewed_bureaus(user)
    if not (is_jpo or bureaus):
        return {"is_reviewer": False}
    scope = None if is_jpo else Q(bureau__in=bureaus)
    return {
        "is_reviewer": True,
        "is_jpo_reviewer": is_jpo,
        "reviewed_bureaus": bureaus,
        "waiting": [e for e in queue if rules.can_review(user, e) or rules.can_accept(user, e)],
        "returned": [
            e for e in queue if e.status == Status.RETURNED and (is_jpo or is_block_reviewer(user, e.organization))
        ],
        "overdue_sections": _overdue(periods, today, scope),
    }


def _editor_context(
    user: AnyUser, queue: list[SelfEvaluation], periods: list[ReportingPeriod], today: datetime.date
) -> dict[str, Any]:
    own = _edited_organization_ids(user)
    if not own:
        return {"is_editor": False}
    return {
        "is_editor": True,
        "can_edit_own": True,
        "own_deadlines": [
            row
            for period in periods
            for row in period_status(period, today, Q(pk__in=own))
            if row.overdue or is_open(period, today)
        ],
        "own_returned": [e for e in queue if e.status == Status.RETURNED and e.organization_id in own],
    }


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    today = localdate()
    queue = _queue(request.user)
    periods = todo_periods(today)
    context = {
        "today": today,
        "periods": periods,
        **_reviewer_context(request.user, queue, periods, today),
        **_editor_context(request.user, queue, periods, today),
    }
    return render(request, "pdca/todo.html", context)
