"""Who may do what with a self-evaluation: its transition table, and the permission shape derived from it.

The workflow (提出 → 局確認 → 受理, 差戻し, 再開) is this one table, run by `chizai.workflow.transition()`.
Regional bodies go through their bureau; central bodies (JPO, INPIT) go straight to JPO. The roles behind
"who" are decided in `chizai.organizations.permissions` and nowhere here.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import (
    EDIT_ROLES,
    REVIEW_ROLES,
    is_block_reviewer,
    is_jpo_reviewer,
    organizations_where,
)
from chizai.organizations.types import Actor, AnyUser
from chizai.pdca.access import can_edit as can_edit  # part of the permission shape pages ask here
from chizai.pdca.access import writes_for
from chizai.pdca.actions import freeze_figures, record_transition
from chizai.pdca.models import EDITABLE_STATUSES, SelfEvaluation, Status
from chizai.pdca.table import evaluation_rows
from chizai.workflow import Rule, Workflow, register


def missing_for_submission(evaluation: SelfEvaluation, today: datetime.date) -> list[str]:
    """What must be filled in before submitting, in Japanese; empty when ready."""
    problems = []
    if not evaluation.activities.strip():
        problems.append("「取組状況」を記入してください。")
    if evaluation.previous_improvements.strip() and not evaluation.previous_followup.strip():
        problems.append("「前回の改善策の対応状況」を記入してください。")
    for row in evaluation_rows(evaluation, today):
        if row.overridden and not (row.rating and row.rating.reason.strip()):
            problems.append(
                f"「{row.kpi.short_name}」の自己評価を目安（{row.suggested or 'なし'}）と変えた理由を記入してください。"
            )
    return problems


_writes = writes_for


def _confirms(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    return is_block_reviewer(user, evaluation.organization)


def _accepts(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    return is_jpo_reviewer(user)


def _returns_submitted(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    return is_block_reviewer(user, evaluation.organization) or is_jpo_reviewer(user)


def _via_bureau(evaluation: SelfEvaluation) -> bool:
    return evaluation.needs_bureau_review


def _straight_to_jpo(evaluation: SelfEvaluation) -> bool:
    return not evaluation.needs_bureau_review


def _submitted_at(evaluation: SelfEvaluation, actor: Actor, now: datetime.datetime) -> dict[str, Any]:
    return {"submitted_at": now}


def _accepted_at(evaluation: SelfEvaluation, actor: Actor, now: datetime.datetime) -> dict[str, Any]:
    return {"accepted_at": now}


def _freeze_figures(evaluation: SelfEvaluation, actor: Actor, comment: str) -> None:
    freeze_figures(evaluation=evaluation)


def _record(evaluation: SelfEvaluation, from_status: str, to_status: str, actor: Actor, comment: str) -> None:
    record_transition(evaluation=evaluation, from_status=from_status, to_status=to_status, actor=actor, comment=comment)


def _describe(evaluation: SelfEvaluation, state: str) -> str | None:
    """A central body's submitted evaluation waits for JPO, not for a bureau it does not have."""
    if state == Status.SUBMITTED and not evaluation.needs_bureau_review:
        return "提出済み（特許庁の受理待ち）"
    return None


_RETURN = Rule(
    "return",
    (Status.SUBMITTED,),
    Status.RETURNED,
    _returns_submitted,
    button="差し戻す",
    done="差し戻しました。",
    refused="この自己評価を差し戻す権限がありません。",
    audit_action="pdca.evaluation.returned",
    comment_label="差戻しの理由（必須）",
    comment_required=True,
    comment_missing="差戻しの理由（コメント）を記入してください。",
)
_ACCEPT = Rule(
    "accept",
    (Status.REVIEWED,),
    Status.ACCEPTED,
    _accepts,
    button="受理する",
    done="受理しました。この半期のKPIの値は確定しました。",
    refused="この自己評価を受理する権限がありません。",
    audit_action="pdca.evaluation.accepted",
    comment_label="コメント（任意）",
    applies=_via_bureau,
    stamp=_accepted_at,
    effects=(_freeze_figures,),
)

SUBMITTED_MESSAGE = "提出しました。経済産業局等（中央の関係主体は特許庁）の確認を待っています。"

RULES: tuple[Rule, ...] = (
    Rule(
        "submit",
        EDITABLE_STATUSES,
        Status.SUBMITTED,
        _writes,
        button="提出する",
        done=SUBMITTED_MESSAGE,
        refused="この自己評価は提出できません。",
        audit_action="pdca.evaluation.submitted",
        check=missing_for_submission,
        stamp=_submitted_at,
    ),
    Rule(
        "review",
        (Status.SUBMITTED,),
        Status.REVIEWED,
        _confirms,
        button="局確認済みにする",
        done="局確認を記録しました。特許庁の受理を待っています。",
        refused="この自己評価を確認する権限がありません。",
        audit_action="pdca.evaluation.reviewed",
        comment_label="コメント（任意）",
        applies=_via_bureau,
    ),
    _ACCEPT,
    replace(_ACCEPT, sources=(Status.SUBMITTED,), applies=_straight_to_jpo),
    _RETURN,
    replace(_RETURN, sources=(Status.REVIEWED,), who=_accepts),
    Rule(
        "reopen",
        (Status.ACCEPTED,),
        Status.REOPENED,
        _accepts,
        button="再開する",
        done="再開しました。関係主体が自己評価とKPIの値を修正できます。",
        refused="受理済みの自己評価を再開できるのは特許庁の審査者・管理者です。",
        audit_action="pdca.evaluation.reopened",
        comment_label="再開の理由（必須）",
        comment_required=True,
        comment_missing="再開の理由を記入してください。",
    ),
)

EVALUATION_WORKFLOW = register(
    Workflow(
        model=SelfEvaluation,
        rules=RULES,
        labels=dict(Status.choices),
        snapshot=SelfEvaluation.snapshot,
        audit_links=lambda evaluation: {"plan_id": evaluation.period.plan_id},
        record=_record,
        describe=_describe,
    )
)


# --- the permission shape -------------------------------------------------------------------------------------


def can_submit(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    return EVALUATION_WORKFLOW.allows(user, evaluation, "submit")


def can_review(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    """The block's bureau confirms a submitted evaluation (局確認)."""
    return EVALUATION_WORKFLOW.allows(user, evaluation, "review")


def can_accept(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    """JPO accepts what the bureau confirmed (or, for central bodies, what was submitted)."""
    return EVALUATION_WORKFLOW.allows(user, evaluation, "accept")


def can_return(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    """Any reviewer up the chain may return it with a comment while it waits for them."""
    return EVALUATION_WORKFLOW.allows(user, evaluation, "return")


def can_reopen(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    return EVALUATION_WORKFLOW.allows(user, evaluation, "reopen")


def reviewed_bureaus(user: AnyUser) -> list[Organization]:
    """The bureaus for whose regional block the user confirms evaluations (局確認)."""
    return [o for o in organizations_where(user, REVIEW_ROLES) if o.kind == OrganizationKind.BUREAU]


def edited_organizations(user: AnyUser) -> list[Organization]:
    """The organisations whose evaluations the user writes (editor or administrator there)."""
    return organizations_where(user, EDIT_ROLES)


def reviews_evaluations(user: AnyUser) -> bool:
    """Bureau and JPO reviewers (and administrators) review others' evaluations."""
    return is_jpo_reviewer(user) or bool(reviewed_bureaus(user))


def can_write_for(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    """Whether the user writes for the evaluation's organisation at all, whatever state it is in."""
    return _writes(user, evaluation)


def get_evaluation_for_user(user: AnyUser, pk: int, *, write: bool = False) -> SelfEvaluation:
    """The self-evaluation if the user may see it (404 otherwise: drafts stay with their organisation);
    with `write`, 403 unless the user writes for its organisation."""
    evaluation = (
        SelfEvaluation.objects.visible_to(user)
        .select_related("period", "period__plan", "organization", "organization__bureau")
        .filter(pk=pk)
        .first()
    )
    if evaluation is None:
        raise Http404("自己評価が見つかりません。")
    if write and not _writes(user, evaluation):
        raise PermissionDenied("この自己評価を編集する権限がありません。")
    return evaluation
