"""Django admin for liaison meetings, attendance and decisions: every change goes through chizai.meetings.actions.

The writers check the permission and the version and record the audit entry (reason 「管理画面」). Decisions are
added on the meeting page, where a linked KPI revision is reported and applied; here only their wording and
order may be corrected. The agenda a held meeting keeps is shown, never edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from chizai.meetings import actions
from chizai.meetings.models import AgendaSnapshot, Attendance, Decision, LiaisonMeeting

ADMIN_REASON = "管理画面"

if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
    TabularInline = admin.TabularInline[Any, Any]
else:
    ModelAdmin = admin.ModelAdmin  # generic for the type checker only
    TabularInline = admin.TabularInline


class ReadOnlyInline(TabularInline):
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


class DeletesOneByOne(ModelAdmin):
    """Bulk deletion from the list deletes row by row through the writer, so every row is audited."""

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(LiaisonMeeting)
class LiaisonMeetingAdmin(DeletesOneByOne):
    list_display = ["held_on", "title", "bureau", "fiscal_year", "kind", "plan"]
    list_filter = ["plan", "fiscal_year", "kind", "bureau"]
    list_select_related = ["bureau", "plan"]
    search_fields = ["title", "venue", "minutes"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["bureau"]
    exclude = ["version"]
    inlines = [AttendanceInline, DecisionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Moving a meeting to another block, plan or year would leave its attendance and decisions behind.
        return ["bureau", "plan", "fiscal_year"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: LiaisonMeeting, form: Any, change: bool) -> None:
        if not change:
            created = actions.create_meeting(
                bureau=obj.bureau,
                plan=obj.plan,
                fiscal_year=obj.fiscal_year,
                kind=obj.kind,
                title=obj.title,
                held_on=obj.held_on,
                venue=obj.venue,
                actor=request.user,
                reason=ADMIN_REASON,
            )
            obj.pk = created.pk
            if obj.minutes:
                actions.update_meeting(
                    meeting=created,
                    changes={"minutes": obj.minutes},
                    expected_version=created.version,
                    actor=request.user,
                    reason=ADMIN_REASON,
                )
            return
        saved = actions.update_meeting(
            meeting=obj,
            changes={name: getattr(obj, name) for name in actions.EDITABLE_FIELDS},
            expected_version=obj.version,
            actor=request.user,
            reason=ADMIN_REASON,
        )
        obj.version = saved.version

    def delete_model(self, request: HttpRequest, obj: LiaisonMeeting) -> None:
        actions.delete_meeting(meeting=obj, actor=request.user, reason=ADMIN_REASON)


@admin.register(Attendance)
class AttendanceAdmin(DeletesOneByOne):
    list_display = ["meeting", "organization", "attended", "attendees"]
    list_filter = ["attended", "meeting__fiscal_year", "meeting__bureau"]
    list_select_related = ["meeting", "organization"]
    search_fields = ["meeting__title", "organization__name", "attendees"]
    readonly_fields = ["meeting", "organization"]
    fields = ["meeting", "organization", "attended", "attendees"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Invitations are made when the meeting is registered.
        return False

    def save_model(self, request: HttpRequest, obj: Attendance, form: Any, change: bool) -> None:
        actions.set_attendance(
            meeting=obj.meeting,
            attendance={obj.pk: (obj.attended, obj.attendees)},
            actor=request.user,
            reason=ADMIN_REASON,
        )

    def delete_model(self, request: HttpRequest, obj: Attendance) -> None:
        actions.remove_attendance(row=obj, actor=request.user, reason=ADMIN_REASON)


@admin.register(Decision)
class DecisionAdmin(DeletesOneByOne):
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

    def save_model(self, request: HttpRequest, obj: Decision, form: Any, change: bool) -> None:
        actions.update_decision(
            decision=obj, text=obj.text, sort_order=obj.sort_order, actor=request.user, reason=ADMIN_REASON
        )

    def delete_model(self, request: HttpRequest, obj: Decision) -> None:
        actions.remove_decision(decision=obj, actor=request.user, reason=ADMIN_REASON)


@admin.register(AgendaSnapshot)
class AgendaSnapshotAdmin(ModelAdmin):
    """The agenda a held meeting keeps: a record of what was discussed, never changed by hand."""

    list_display = ["meeting", "as_of", "taken_at"]
    list_select_related = ["meeting"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
