"""Django admin for liaison meetings, attendance and decisions; every change made here is audited.

Decisions are added on the meeting page, where a linked KPI revision is reported and applied; here
only their wording and order may be corrected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chizai.audit.admin_base import AuditedModelAdmin
from chizai.meetings.actions import attendance_snapshot, decision_snapshot, meeting_snapshot
from chizai.meetings.models import Attendance, Decision, LiaisonMeeting


class AuditedMeetingAdmin(AuditedModelAdmin):
    """Records who changed what (old → new) for every save and delete made in the admin."""

    snapshot: Callable[[Any], dict[str, Any]] = staticmethod(lambda obj: {})

    def audit_values(self, obj: Any) -> dict[str, Any]:
        return self.snapshot(obj)

    def audit_links(self, obj: Any) -> dict[str, int | None]:
        return {"plan_id": getattr(obj, "plan_id", None) or obj.meeting.plan_id}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["organization", "attended", "attendees"]


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ["sort_order", "text", "revision", "evaluation"]


@admin.register(LiaisonMeeting)
class LiaisonMeetingAdmin(AuditedMeetingAdmin):
    audit_code = "meetings.meeting"
    snapshot = staticmethod(meeting_snapshot)
    list_display = ["held_on", "title", "bureau", "fiscal_year", "kind", "plan"]
    list_filter = ["plan", "fiscal_year", "kind", "bureau"]
    list_select_related = ["bureau", "plan"]
    search_fields = ["title", "venue", "minutes"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["bureau"]
    exclude = ["version"]
    inlines = [AttendanceInline, DecisionInline]


@admin.register(Attendance)
class AttendanceAdmin(AuditedMeetingAdmin):
    audit_code = "meetings.attendance"
    snapshot = staticmethod(attendance_snapshot)
    list_display = ["meeting", "organization", "attended", "attendees"]
    list_filter = ["attended", "meeting__fiscal_year", "meeting__bureau"]
    list_select_related = ["meeting", "organization"]
    search_fields = ["meeting__title", "organization__name", "attendees"]
    raw_id_fields = ["meeting"]
    autocomplete_fields = ["organization"]


@admin.register(Decision)
class DecisionAdmin(AuditedMeetingAdmin):
    audit_code = "meetings.decision"
    snapshot = staticmethod(decision_snapshot)
    list_display = ["meeting", "sort_order", "__str__", "revision", "evaluation"]
    list_filter = ["meeting__fiscal_year", "meeting__bureau"]
    list_select_related = [
        "meeting",
        "revision",
        "revision__kpi",
        "evaluation",
        "evaluation__period",
        "evaluation__organization",
    ]
    search_fields = ["text", "meeting__title"]
    readonly_fields = ["meeting", "revision", "evaluation"]
    fields = ["meeting", "sort_order", "text", "revision", "evaluation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
