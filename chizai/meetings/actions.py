"""Who may see and change a liaison meeting, and the writes of a meeting: transactional and audited.

Everyone in the bureau's block (the bureau, its prefectures, INPIT windows and support bodies), JPO and
INPIT (which attends every meeting) may read a meeting. A reviewer or administrator of the hosting bureau,
or a JPO reviewer or administrator, may register and record it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import Http404

from chizai.audit.log import log
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import KpiRevision, Plan, RevisionStatus
from chizai.meetings.models import Attendance, Decision, LiaisonMeeting
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import CENTRAL_KINDS, REVIEW_ROLES, memberships, sees_everything
from chizai.pdca.models import SelfEvaluation, Status
from chizai.pdca.rules import is_jpo_reviewer

MEETING_CONFLICT_MESSAGE = (
    "保存できませんでした。この画面を開いた後に、他の利用者がこの会議の記録を更新しています。"
    "画面を再読み込みして最新の内容を確認してから、もう一度入力してください。"
)
EDITABLE_FIELDS = ("title", "kind", "held_on", "venue", "minutes")


# --- the permission chokepoint --------------------------------------------------------------------------


def can_manage_meetings(user: Any, bureau: Organization | int) -> bool:
    """A reviewer/administrator of the hosting bureau, or a JPO reviewer/administrator."""
    bureau_id = bureau if isinstance(bureau, int) else bureau.pk
    if is_jpo_reviewer(user):
        return True
    return any(m.organization_id == bureau_id and m.role in REVIEW_ROLES for m in memberships(user))


def manageable_bureaus(user: Any) -> QuerySet[Organization]:
    """The bureaus whose meetings the user may register."""
    bureaus = Organization.objects.bureaus()
    if is_jpo_reviewer(user):
        return bureaus
    own = [m.organization_id for m in memberships(user) if m.role in REVIEW_ROLES]
    return bureaus.filter(pk__in=own)


def can_create_meetings(user: Any) -> bool:
    if is_jpo_reviewer(user):
        return True
    return any(m.organization.kind == OrganizationKind.BUREAU and m.role in REVIEW_ROLES for m in memberships(user))


def visible_meetings(user: Any) -> QuerySet[LiaisonMeeting]:
    """Meetings the user may see: JPO and INPIT all, everyone else their own block's."""
    meetings = LiaisonMeeting.objects.all()
    if not user.is_authenticated:
        return meetings.none()
    own = [m.organization for m in memberships(user)]
    if sees_everything(user) or any(o.kind in CENTRAL_KINDS for o in own):
        return meetings
    blocks = {o.pk if o.kind == OrganizationKind.BUREAU else o.bureau_id for o in own} - {None}
    return meetings.filter(bureau_id__in=blocks)


def get_meeting_for_user(user: Any, pk: int, *, write: bool = False) -> LiaisonMeeting:
    """The meeting if the user may see it (404 otherwise) and, when `write`, record it (403 otherwise)."""
    meeting = visible_meetings(user).select_related("bureau", "plan").filter(pk=pk).first()
    if meeting is None:
        raise Http404("地域連絡会議が見つかりません。")
    if write and not can_manage_meetings(user, meeting.bureau_id):
        raise PermissionDenied("この地域連絡会議を編集する権限がありません（主催局または特許庁の審査者・管理者のみ）。")
    return meeting


def _require_manager(actor: Any, bureau_id: int) -> None:
    if not can_manage_meetings(actor, bureau_id):
        raise PermissionDenied("この地域連絡会議を編集する権限がありません（主催局または特許庁の審査者・管理者のみ）。")


# --- snapshots for the audit log -------------------------------------------------------------------------


def meeting_snapshot(meeting: LiaisonMeeting) -> dict[str, Any]:
    fields = ("fiscal_year", "kind", "title", "held_on", "venue", "minutes")
    return {"bureau": meeting.bureau.code, **{f: getattr(meeting, f) for f in fields}}


def attendance_snapshot(row: Attendance) -> dict[str, Any]:
    return {"organization": row.organization.code, "attended": row.attended, "attendees": row.attendees}


def decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "text": decision.text,
        "revision": str(decision.revision) if decision.revision else None,
        "evaluation": str(decision.evaluation) if decision.evaluation else None,
    }


def _audit(actor: Any, action: str, obj: Any, meeting: LiaisonMeeting, before: Any, after: Any, **extra: Any) -> None:
    log(actor, action, obj, before, after, plan_id=meeting.plan_id, **extra)


# --- meetings ---------------------------------------------------------------------------------------------


def default_attendees(bureau: Organization) -> list[Organization]:
    """Who is invited by default: JPO, the bureau, INPIT, then the block's prefectures and INPIT windows."""
    central = Organization.objects.filter(kind__in=[OrganizationKind.JPO, OrganizationKind.INPIT]).order_by(
        "sort_order", "code"
    )
    jpo = [o for o in central if o.kind == OrganizationKind.JPO]
    inpit = [o for o in central if o.kind == OrganizationKind.INPIT]
    block = Organization.objects.filter(
        bureau=bureau, kind__in=[OrganizationKind.PREFECTURE, OrganizationKind.INPIT_WINDOW]
    ).order_by("sort_order", "jis_code", "code")
    prefectures = [o for o in block if o.kind == OrganizationKind.PREFECTURE]
    windows = [o for o in block if o.kind == OrganizationKind.INPIT_WINDOW]
    return [*jpo, bureau, *inpit, *prefectures, *windows]


@transaction.atomic
def create_meeting(
    *,
    bureau: Organization,
    plan: Plan,
    fiscal_year: int,
    kind: str,
    title: str,
    held_on: datetime.date,
    venue: str,
    actor: Any,
) -> LiaisonMeeting:
    """Register a meeting of the bureau's block, with every invited body marked as attending."""
    if bureau.kind != OrganizationKind.BUREAU:
        raise ValidationError("主催局には経済産業局等を選んでください。")
    _require_manager(actor, bureau.pk)
    if fiscal_year not in plan.fiscal_years:
        raise ValidationError(f"年度は計画期間（{plan.period_label}）の中から選んでください。")
    meeting = LiaisonMeeting.objects.create(
        bureau=bureau,
        plan=plan,
        fiscal_year=fiscal_year,
        kind=kind,
        title=title.strip(),
        held_on=held_on,
        venue=venue.strip(),
    )
    invited = default_attendees(bureau)
    Attendance.objects.bulk_create(Attendance(meeting=meeting, organization=o, attended=True) for o in invited)
    after = {**meeting_snapshot(meeting), "attendance": [o.code for o in invited]}
    _audit(actor, "meetings.meeting.created", meeting, meeting, None, after)
    return meeting


@transaction.atomic
def update_meeting(
    *, meeting: LiaisonMeeting, changes: Mapping[str, Any], expected_version: int, actor: Any
) -> LiaisonMeeting:
    """Change the record of a meeting (minutes, venue, date…); `expected_version` guards concurrent edits."""
    current = LiaisonMeeting.objects.select_for_update().select_related("bureau").get(pk=meeting.pk)
    _require_manager(actor, current.bureau_id)
    if current.version != expected_version:
        raise ConflictError(MEETING_CONFLICT_MESSAGE)
    before = meeting_snapshot(current)
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    # The version in the UPDATE itself guards databases where SELECT … FOR UPDATE does not lock.
    updated = LiaisonMeeting.objects.filter(pk=current.pk, version=expected_version).update(
        **fields, version=expected_version + 1
    )
    if updated != 1:
        raise ConflictError(MEETING_CONFLICT_MESSAGE)
    current.refresh_from_db()
    _audit(actor, "meetings.meeting.updated", current, current, before, meeting_snapshot(current))
    return current


@transaction.atomic
def set_attendance(
    *, meeting: LiaisonMeeting, attendance: Mapping[int, tuple[bool, str]], actor: Any
) -> list[Attendance]:
    """Record who attended: attendance row id → (attended, attendees' names). Returns the rows changed."""
    _require_manager(actor, meeting.bureau_id)
    rows = meeting.attendances.select_for_update().select_related("organization").filter(pk__in=list(attendance))
    changed = []
    for row in rows:
        attended, attendees = attendance[row.pk]
        before = {"attended": row.attended, "attendees": row.attendees}
        row.attended, row.attendees = attended, attendees.strip()
        after = {"attended": row.attended, "attendees": row.attendees}
        if after == before:
            continue
        row.save(update_fields=["attended", "attendees"])
        _audit(actor, "meetings.attendance.updated", row, meeting, before, after)
        changed.append(row)
    return changed


# --- decisions --------------------------------------------------------------------------------------------


def block_filter(meeting: LiaisonMeeting, field: str) -> Q:
    """The bodies of the meeting's block (the bureau and every body placed in its block), through `field`."""
    return Q(**{f"{field}__bureau_id": meeting.bureau_id}) | Q(**{f"{field}_id": meeting.bureau_id})


def reportable_revisions(meeting: LiaisonMeeting) -> QuerySet[KpiRevision]:
    """Proposed revisions of the KPIs of the block's bodies in the meeting's plan, to be reported at this meeting."""
    return (
        KpiRevision.objects.filter(
            status=RevisionStatus.PROPOSED, kpi__plan_id=meeting.plan_id, kpi__owner__bureau_id=meeting.bureau_id
        )
        .select_related("kpi", "kpi__owner")
        .order_by("kpi__owner__sort_order", "kpi__owner__jis_code", "kpi__sort_order", "effective_year", "pk")
    )


def linkable_evaluations(meeting: LiaisonMeeting) -> QuerySet[SelfEvaluation]:
    """The block's self-evaluations in the meeting's plan that were shared (submitted or later)."""
    return (
        SelfEvaluation.objects.filter(period__plan_id=meeting.plan_id)
        .filter(block_filter(meeting, "organization"))
        .exclude(status=Status.DRAFT)
        .select_related("period", "organization")
        .order_by("-period__fiscal_year", "-period__half", "organization__sort_order", "organization__jis_code")
    )


def _check_links(meeting: LiaisonMeeting, revision: KpiRevision | None, evaluation: SelfEvaluation | None) -> None:
    if revision is not None and not reportable_revisions(meeting).filter(pk=revision.pk).exists():
        raise ValidationError(
            "このKPIの見直しは、この会議で報告できません（報告済み・取下げ、または他ブロックの見直しです）。"
        )
    if evaluation is not None and not linkable_evaluations(meeting).filter(pk=evaluation.pk).exists():
        raise ValidationError("この自己評価は、この会議の決定事項に関連付けられません。")


@transaction.atomic
def add_decision(
    *,
    meeting: LiaisonMeeting,
    text: str,
    revision: KpiRevision | None = None,
    evaluation: SelfEvaluation | None = None,
    actor: Any,
) -> Decision:
    """Record a decision; a linked KPI revision is thereby reported at this meeting and takes effect."""
    _require_manager(actor, meeting.bureau_id)
    if not text.strip():
        raise ValidationError("決定事項の内容を記入してください。")
    _check_links(meeting, revision, evaluation)
    last = meeting.decisions.aggregate(last=Max("sort_order"))["last"]
    decision = Decision.objects.create(
        meeting=meeting,
        text=text.strip(),
        revision=revision,
        evaluation=evaluation,
        sort_order=(last or 0) + 1,
    )
    kpi_id = revision.kpi_id if revision is not None else None
    _audit(actor, "meetings.decision.created", decision, meeting, None, decision_snapshot(decision), kpi_id=kpi_id)
    if revision is not None:
        from chizai.kpis.actions import report_revision

        report_revision(revision=revision, actor=actor, meeting=meeting)
    return decision


@transaction.atomic
def remove_decision(*, decision: Decision, actor: Any) -> None:
    """Delete a decision. A revision it reported stays reported: the report was made at the meeting."""
    meeting = decision.meeting
    _require_manager(actor, meeting.bureau_id)
    kpi_id = decision.revision.kpi_id if decision.revision else None
    _audit(actor, "meetings.decision.deleted", decision, meeting, decision_snapshot(decision), None, kpi_id=kpi_id)
    decision.delete()
