"""Django admin for liaison meetings, attendance and decisions; every change made here is audited.

Decisions are added on the meeting page, where a linked KPI revision is reported and applied; here
only their wording and order may be corrected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from chizai.audit.log import log
from chizai.meetings.actions import attendance_snapshot, decision_snapshot, meeting_snapshot
from chizai.meetings.models import Attendance, Decision, LiaisonMeeting


class AuditedMeetingAdmin(admin.ModelAdmin):
    """Records who changed what (old → new) for every save and delete made in the admin."""

    audit_code = ""
    snapshot: Callable[[Any], dict[str, Any]] = staticmethod(lambda obj: {})

    def plan_id(self, obj: Any) -> int | None:
        return getattr(obj, "plan_id", None) or obj.meeting.plan_id

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = self.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
            if change and hasattr(obj, "version"):
                obj.version += 1
            super().save_model(request, obj, form, change)
            verb = "updated" if change else "created"
            after = self.snapshot(obj)
            log(
                request.user,
                f"{self.audit_code}.{verb}",
                obj,
                before,
                after,
                plan_id=self.plan_id(obj),
                reason="管理画面",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = self.snapshot(obj)
            log(
                request.user,
                f"{self.audit_code}.deleted",
                obj,
                before,
                None,
                plan_id=self.plan_id(obj),
                reason="管理画面",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


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
