"""Liaison meeting pages: the list, registering a meeting, its agenda and record, and editing the record."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from chizai.kpis.actions import ConflictError
from chizai.lib.wareki import wareki_date
from chizai.meetings import actions
from chizai.meetings.access import (
    REGISTER_NOT_ALLOWED_MESSAGE,
    can_record,
    can_register,
    get_meeting_for_user,
    manageable_bureaus,
)
from chizai.meetings.agenda import AgendaRecord, build_agenda, record_from_json, record_of
from chizai.meetings.forms import AttendanceForm, DecisionForm, MeetingCreateForm, MeetingEditForm
from chizai.meetings.models import AgendaSnapshot, Attendance, Decision, LiaisonMeeting
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_view_organization


def _today() -> datetime.date:
    return timezone.localdate()


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    visible = LiaisonMeeting.objects.visible_to(request.user)
    years = sorted(set(visible.values_list("fiscal_year", flat=True)), reverse=True)
    raw_year = request.GET.get("year", "")
    # A year is four ASCII digits; anything else (or a number past any database's integers) lists every year.
    year = int(raw_year) if len(raw_year) == 4 and raw_year.isascii() and raw_year.isdigit() else None
    meetings = visible.select_related("bureau", "plan").annotate(decision_count=Count("decisions"))
    if year is not None:
        meetings = meetings.filter(fiscal_year=year)
    context = {
        "rows": [{"meeting": m, "held_on_wareki": wareki_date(m.held_on)} for m in meetings],
        "years": years,
        "year": year,
        "can_create": can_register(request.user),
    }
    return render(request, "meetings/meeting_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not can_register(request.user):
        raise PermissionDenied(REGISTER_NOT_ALLOWED_MESSAGE)
    bureaus = manageable_bureaus(request.user)
    if request.method != "POST":
        form = MeetingCreateForm(initial=MeetingCreateForm.initial_for(_today()), bureaus=bureaus)
        return render(request, "meetings/meeting_create.html", {"form": form})
    form = MeetingCreateForm(request.POST, bureaus=bureaus)
    if form.is_valid():
        try:
            meeting = actions.create_meeting(**form.cleaned_data, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"「{meeting.title}」を登録しました。出席者と議事録を記録してください。")
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_create.html", {"form": form})


def _attendances(meeting: LiaisonMeeting) -> list[Attendance]:
    return list(meeting.attendances.select_related("organization").order_by("pk"))


def _decisions(meeting: LiaisonMeeting) -> list[Decision]:
    return list(
        meeting.decisions.select_related(
            "revision",
            "revision__kpi",
            "revision__kpi__owner",
            "evaluation",
            "evaluation__period",
            "evaluation__organization",
        )
    )


def _agenda(meeting: LiaisonMeeting) -> tuple[AgendaRecord, bool, list[Organization]]:
    """The agenda the page shows, whether it is the one kept from the meeting's date, and the bodies it names.

    A held meeting whose minutes are recorded keeps its agenda as of its date; any other shows the data of today.
    """
    snapshot: AgendaSnapshot | None = getattr(meeting, "agenda_snapshot", None)
    if snapshot is not None:
        record = record_from_json(snapshot.content)
        return record, True, list(Organization.objects.filter(pk__in=record.organization_pks()))
    agenda = build_agenda(meeting, _today())
    named = [item.prefecture for item in agenda.improvements]
    named += [revision.kpi.owner for revision in agenda.pending_revisions]
    named += [evaluation.organization for evaluation in agenda.advanced_practices]
    return record_of(agenda), False, named


def _linkable(request: HttpRequest, named: list[Organization], decisions: list[Decision]) -> set[int]:
    """Organisations whose pages (KPIs, revisions, evaluations) this user may open from the meeting page.

    The meeting shares the block's material with everyone in it; the linked pages keep their own rules.
    """
    organizations = [*named]
    organizations += [d.revision.kpi.owner for d in decisions if d.revision]
    organizations += [d.evaluation.organization for d in decisions if d.evaluation]
    return {o.pk for o in organizations if can_view_organization(request.user, o)}


def _detail(request: HttpRequest, meeting: LiaisonMeeting, **forms: Any) -> HttpResponse:
    can_manage = can_record(request.user, meeting)
    attendances = forms.pop("attendances", None) or _attendances(meeting)
    if can_manage:
        forms.setdefault("attendance_form", AttendanceForm(attendances=attendances))
        forms.setdefault("decision_form", DecisionForm(meeting=meeting))
    agenda, agenda_kept, named = _agenda(meeting)
    decisions = _decisions(meeting)
    context = {
        "meeting": meeting,
        "held_on_wareki": wareki_date(meeting.held_on),
        "agenda": agenda,
        "agenda_kept": agenda_kept,
        "held": meeting.held_on <= _today(),
        "attendances": attendances,
        "attended_count": sum(1 for a in attendances if a.attended),
        "decisions": decisions,
        "linkable": _linkable(request, named, decisions),
        "can_manage": can_manage,
        **forms,
    }
    status = 422 if any(f.errors for f in forms.values()) else 200
    return render(request, "meetings/meeting_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _detail(request, get_meeting_for_user(request.user, pk))
    meeting = get_meeting_for_user(request.user, pk, write=True)
    handler = {
        "attendance": _post_attendance,
        "decision": _post_decision,
        "remove_decision": _post_remove_decision,
    }.get(request.POST.get("form", ""))
    if handler is None:
        raise Http404("不明な操作です。")
    return handler(request, meeting)


def _post_attendance(request: HttpRequest, meeting: LiaisonMeeting) -> HttpResponse:
    attendances = _attendances(meeting)
    form = AttendanceForm(request.POST, attendances=attendances)
    if not form.is_valid():
        return _detail(request, meeting, attendances=attendances, attendance_form=form)
    changed = actions.set_attendance(meeting=meeting, attendance=form.attendance(), actor=request.user)
    messages.success(request, f"出席状況を保存しました（{len(changed)}件を変更）。")
    return redirect_to(meeting, "attendance")


def _post_decision(request: HttpRequest, meeting: LiaisonMeeting) -> HttpResponse:
    form = DecisionForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            decision = actions.add_decision(meeting=meeting, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            reported = "。関連するKPIの見直しを報告済みとし、適用しました" if decision.revision else ""
            messages.success(request, f"決定事項を追加しました{reported}。")
            return redirect_to(meeting, "decisions")
    return _detail(request, meeting, decision_form=form)


def _post_remove_decision(request: HttpRequest, meeting: LiaisonMeeting) -> HttpResponse:
    raw = request.POST.get("decision", "")
    valid = raw.isascii() and raw.isdigit() and len(raw) <= 18  # beyond that, no row has the id
    decision = meeting.decisions.filter(pk=int(raw)).first() if valid else None
    if decision is None:
        raise Http404("決定事項が見つかりません。")
    actions.remove_decision(decision=decision, actor=request.user)
    messages.success(request, "決定事項を削除しました。")
    return redirect_to(meeting, "decisions")


def redirect_to(meeting: LiaisonMeeting, anchor: str) -> HttpResponse:
    response = redirect("meetings:meeting_detail", pk=meeting.pk)
    response["Location"] += f"#{anchor}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk, write=True)
    if request.method != "POST":
        form = MeetingEditForm(instance=meeting, initial={"version": meeting.version})
        return render(request, "meetings/meeting_edit.html", {"meeting": meeting, "form": form})
    form = MeetingEditForm(request.POST, instance=LiaisonMeeting(pk=meeting.pk))
    if form.is_valid():
        try:
            actions.update_meeting(
                meeting=meeting,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            meeting.refresh_from_db()
            context = {"meeting": meeting, "form": form, "conflict": True}
            return render(request, "meetings/meeting_edit.html", context, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "会議の記録を保存しました。")
            return redirect("meetings:meeting_detail", pk=meeting.pk)
    return render(request, "meetings/meeting_edit.html", {"meeting": meeting, "form": form}, status=422)
