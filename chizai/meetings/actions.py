"""The writes of a liaison meeting, one function per row type: transactional, permission-checked and audited.

Meetings (`create_meeting`, `update_meeting`, `delete_meeting`), attendance (`set_attendance`,
`remove_attendance`), decisions (`add_decision`, `update_decision`, `remove_decision`) and the agenda a held
meeting keeps (`freeze_agenda`). Who may do what is `chizai.meetings.access`; a decision that reports a KPI
revision reports it through the KPI writers (chizai.kpis), never by writing KPI rows here.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from chizai.audit.log import log
from chizai.kpis.actions import ConflictError, report_revision
from chizai.kpis.models import KpiRevision, Plan
from chizai.meetings.access import NOT_ALLOWED_MESSAGE, can_record_for
from chizai.meetings.agenda import (
    block_filter,
    build_agenda,
    linkable_evaluations,
    record_of,
    record_to_json,
    reportable_revisions,
)
from chizai.meetings.models import (
    ATTENDEES_MAX_LENGTH,
    DECISION_MAX_LENGTH,
    MINUTES_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VENUE_MAX_LENGTH,
    AgendaSnapshot,
    Attendance,
    Decision,
    LiaisonMeeting,
)
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.types import Actor
from chizai.pdca.models import SelfEvaluation

__all__ = [
    "MEETING_CONFLICT_MESSAGE",
    "add_decision",
    "block_filter",
    "create_meeting",
    "delete_meeting",
    "freeze_agenda",
    "linkable_evaluations",
    "remove_attendance",
    "remove_decision",
    "reportable_revisions",
    "set_attendance",
    "update_decision",
    "update_meeting",
]

MEETING_CONFLICT_MESSAGE = (
    "保存できませんでした。この画面を開いた後に、他の利用者がこの会議の記録を更新しています。"
    "画面を再読み込みして最新の内容を確認してから、もう一度入力してください。"
)
EDITABLE_FIELDS = ("title", "kind", "held_on", "venue", "minutes")
TEXT_LIMITS = {
    "title": ("名称", TITLE_MAX_LENGTH),
    "venue": ("会場", VENUE_MAX_LENGTH),
    "minutes": ("議事録", MINUTES_MAX_LENGTH),
    "text": ("決定事項", DECISION_MAX_LENGTH),
    "attendees": ("出席者", ATTENDEES_MAX_LENGTH),
}


def _today() -> datetime.date:
    return timezone.localdate()


def _require_recorder(actor: Actor, bureau: Organization) -> None:
    if actor is None or not can_record_for(actor, bureau):
        raise PermissionDenied(NOT_ALLOWED_MESSAGE)


def _check_length(field: str, value: str) -> None:
    label, limit = TEXT_LIMITS[field]
    if len(value) > limit:
        raise ValidationError(
            {field: f"{label}は{limit:,}文字以内で入力してください（{len(value):,}文字入力されています）。"}
        )


# --- snapshots for the audit log -------------------------------------------------------------------------


def meeting_snapshot(meeting: LiaisonMeeting) -> dict[str, Any]:
    fields = ("fiscal_year", "kind", "title", "held_on", "venue", "minutes")
    return {"bureau": meeting.bureau.code, **{f: getattr(meeting, f) for f in fields}}


def attendance_snapshot(row: Attendance) -> dict[str, Any]:
    return {"organization": row.organization.code, "attended": row.attended, "attendees": row.attendees}


def decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "text": decision.text,
        "sort_order": decision.sort_order,
        "revision": str(decision.revision) if decision.revision else None,
        "evaluation": str(decision.evaluation) if decision.evaluation else None,
    }


def _audit(
    actor: Actor,
    action: str,
    obj: models.Model,
    meeting: LiaisonMeeting,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    kpi_id: int | None = None,
    reason: str = "",
) -> None:
    log(actor, action, obj, before, after, plan_id=meeting.plan_id, kpi_id=kpi_id, reason=reason)


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
    actor: Actor,
    reason: str = "",
) -> LiaisonMeeting:
    """Register a meeting of the bureau's block, with every invited body marked as attending."""
    if bureau.kind != OrganizationKind.BUREAU:
        raise ValidationError("主催局には経済産業局等を選んでください。")
    _require_recorder(actor, bureau)
    if fiscal_year not in plan.fiscal_years:
        raise ValidationError(f"年度は計画期間（{plan.period_label}）の中から選んでください。")
    title, venue = title.strip(), venue.strip()
    _check_length("title", title)
    _check_length("venue", venue)
    meeting = LiaisonMeeting.objects.create(
        bureau=bureau, plan=plan, fiscal_year=fiscal_year, kind=kind, title=title, held_on=held_on, venue=venue
    )
    invited = default_attendees(bureau)
    Attendance.objects.bulk_create(Attendance(meeting=meeting, organization=o, attended=True) for o in invited)
    after = {**meeting_snapshot(meeting), "attendance": [o.code for o in invited]}
    _audit(actor, "meetings.meeting.created", meeting, meeting, None, after, reason=reason)
    return meeting


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    for name in ("title", "venue", "minutes"):
        if name in fields:
            _check_length(name, fields[name])
    return fields


@transaction.atomic
def update_meeting(
    *, meeting: LiaisonMeeting, changes: Mapping[str, Any], expected_version: int, actor: Actor, reason: str = ""
) -> LiaisonMeeting:
    """Change the record of a meeting (minutes, venue, date…); `expected_version` guards concurrent edits.

    The first time the minutes of a held meeting are recorded, its agenda is kept as it stood on its date.
    """
    current = LiaisonMeeting.objects.select_for_update().select_related("bureau").get(pk=meeting.pk)
    _require_recorder(actor, current.bureau)
    if current.version != expected_version:
        raise ConflictError(MEETING_CONFLICT_MESSAGE)
    fields = _clean_changes(changes)
    before = meeting_snapshot(current)
    # The version in the UPDATE itself guards databases where SELECT … FOR UPDATE does not lock.
    updated = LiaisonMeeting.objects.filter(pk=current.pk, version=expected_version).update(
        **fields, version=expected_version + 1
    )
    if updated != 1:
        raise ConflictError(MEETING_CONFLICT_MESSAGE)
    current.refresh_from_db()
    _audit(actor, "meetings.meeting.updated", current, current, before, meeting_snapshot(current), reason=reason)
    if current.minutes and current.held_on <= _today():
        freeze_agenda(meeting=current, actor=actor)
    return current


@transaction.atomic
def delete_meeting(*, meeting: LiaisonMeeting, actor: Actor, reason: str = "") -> None:
    """Delete a meeting with its attendance, decisions and kept agenda, auditing every row removed.

    KPI revisions it reported stay reported: the report was made.
    """
    current = LiaisonMeeting.objects.select_for_update().select_related("bureau").get(pk=meeting.pk)
    _require_recorder(actor, current.bureau)
    for decision in current.decisions.select_related("revision", "evaluation"):
        _remove_decision(decision, current, actor, reason)
    for row in current.attendances.select_related("organization"):
        _audit(actor, "meetings.attendance.deleted", row, current, attendance_snapshot(row), None, reason=reason)
    snapshot = AgendaSnapshot.objects.filter(meeting=current).first()
    if snapshot is not None:
        _audit(actor, "meetings.agenda.deleted", snapshot, current, {"as_of": snapshot.as_of}, None, reason=reason)
    _audit(actor, "meetings.meeting.deleted", current, current, meeting_snapshot(current), None, reason=reason)
    current.delete()


# --- the agenda a held meeting keeps ------------------------------------------------------------------------


@transaction.atomic
def freeze_agenda(*, meeting: LiaisonMeeting, actor: Actor) -> AgendaSnapshot | None:
    """Keep the agenda of a held meeting as the data stood on its date; None when already kept or not yet held.

    The KPI status is judged as of the meeting's date; the revisions are those it had to report, including
    any it has reported since (they were on its agenda).
    """
    _require_recorder(actor, meeting.bureau)
    if meeting.held_on > _today() or AgendaSnapshot.objects.filter(meeting=meeting).exists():
        return None
    record = record_of(build_agenda(meeting, meeting.held_on, as_held=True))
    snapshot = AgendaSnapshot.objects.create(meeting=meeting, as_of=meeting.held_on, content=record_to_json(record))
    summary = {
        "as_of": snapshot.as_of,
        "revisions": len(record.pending_revisions),
        "advanced_practices": len(record.advanced_practices),
    }
    _audit(actor, "meetings.agenda.frozen", snapshot, meeting, None, summary)
    return snapshot


# --- attendance -------------------------------------------------------------------------------------------


@transaction.atomic
def set_attendance(
    *, meeting: LiaisonMeeting, attendance: Mapping[int, tuple[bool, str]], actor: Actor, reason: str = ""
) -> list[Attendance]:
    """Record who attended: attendance row id → (attended, attendees' names). Returns the rows changed."""
    _require_recorder(actor, meeting.bureau)
    rows = meeting.attendances.select_for_update().select_related("organization").filter(pk__in=list(attendance))
    changed = []
    for row in rows:
        attended, attendees = attendance[row.pk]
        attendees = attendees.strip()
        _check_length("attendees", attendees)
        before = {"attended": row.attended, "attendees": row.attendees}
        after = {"attended": attended, "attendees": attendees}
        if after == before:
            continue
        row.attended, row.attendees = attended, attendees
        row.save(update_fields=["attended", "attendees"])
        _audit(actor, "meetings.attendance.updated", row, meeting, before, after, reason=reason)
        changed.append(row)
    return changed


@transaction.atomic
def remove_attendance(*, row: Attendance, actor: Actor, reason: str = "") -> None:
    """Take a body off a meeting's attendance list (it was not invited after all)."""
    meeting = row.meeting
    _require_recorder(actor, meeting.bureau)
    _audit(actor, "meetings.attendance.deleted", row, meeting, attendance_snapshot(row), None, reason=reason)
    row.delete()


# --- decisions --------------------------------------------------------------------------------------------


def _check_links(meeting: LiaisonMeeting, revision: KpiRevision | None, evaluation: SelfEvaluation | None) -> None:
    if revision is not None and not reportable_revisions(meeting).filter(pk=revision.pk).exists():
        raise ValidationError(
            "このKPIの見直しは、この会議で報告できません（報告済み・取下げ、または他ブロックの見直しです）。"
        )
    if evaluation is not None and not linkable_evaluations(meeting).filter(pk=evaluation.pk).exists():
        raise ValidationError("この自己評価は、この会議の決定事項に関連付けられません。")


def _decision_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError("決定事項の内容を記入してください。")
    _check_length("text", text)
    return text


@transaction.atomic
def add_decision(
    *,
    meeting: LiaisonMeeting,
    text: str,
    revision: KpiRevision | None = None,
    evaluation: SelfEvaluation | None = None,
    actor: Actor,
) -> Decision:
    """Record a decision; a linked KPI revision is thereby reported at this meeting and takes effect."""
    _require_recorder(actor, meeting.bureau)
    text = _decision_text(text)
    _check_links(meeting, revision, evaluation)
    last = meeting.decisions.aggregate(last=Max("sort_order"))["last"]
    decision = Decision.objects.create(
        meeting=meeting, text=text, revision=revision, evaluation=evaluation, sort_order=(last or 0) + 1
    )
    kpi_id = revision.kpi_id if revision is not None else None
    _audit(actor, "meetings.decision.created", decision, meeting, None, decision_snapshot(decision), kpi_id=kpi_id)
    if revision is not None:
        report_revision(revision=revision, actor=actor, meeting=meeting)
    return decision


@transaction.atomic
def update_decision(*, decision: Decision, text: str, sort_order: int, actor: Actor, reason: str = "") -> Decision:
    """Correct a decision's wording or order; what it reported stays as it was."""
    meeting = decision.meeting
    _require_recorder(actor, meeting.bureau)
    current = Decision.objects.select_for_update().select_related("revision", "evaluation").get(pk=decision.pk)
    before = decision_snapshot(current)
    current.text, current.sort_order = _decision_text(text), sort_order
    current.save(update_fields=["text", "sort_order"])
    kpi_id = current.revision.kpi_id if current.revision else None
    _audit(
        actor,
        "meetings.decision.updated",
        current,
        meeting,
        before,
        decision_snapshot(current),
        kpi_id=kpi_id,
        reason=reason,
    )
    return current


def _remove_decision(decision: Decision, meeting: LiaisonMeeting, actor: Actor, reason: str) -> None:
    kpi_id = decision.revision.kpi_id if decision.revision else None
    before = decision_snapshot(decision)
    _audit(actor, "meetings.decision.deleted", decision, meeting, before, None, kpi_id=kpi_id, reason=reason)
    decision.delete()


@transaction.atomic
def remove_decision(*, decision: Decision, actor: Actor, reason: str = "") -> None:
    """Delete a decision. A revision it reported stays reported: the report was made at the meeting."""
    meeting = decision.meeting
    _require_recorder(actor, meeting.bureau)
    _remove_decision(decision, meeting, actor, reason)
