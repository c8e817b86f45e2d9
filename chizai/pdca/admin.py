"""Django admin for the PDCA cycle: the rating thresholds and due dates are set here; the rest is read-only.

Nothing of the PDCA cycle is deleted through the admin: the scale, the half years and their evaluations are
plan and workflow data (a half year's deletion would take its evaluations, transitions and reminders with it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from chizai.audit.admin_base import AuditedModelAdmin, ReadOnlyAdmin
from chizai.pdca import actions
from chizai.pdca.models import RatingScale, ReminderLog, ReportingPeriod, SelfEvaluation, Transition

if TYPE_CHECKING:  # the admin classes are generic for the type checker only (no django_stubs_ext at runtime)
    TabularInline = admin.TabularInline[Any, Any]
else:
    TabularInline = admin.TabularInline


@admin.register(RatingScale)
class RatingScaleAdmin(AuditedModelAdmin):
    """The thresholds are written by `chizai.pdca.actions.set_rating_scale` (checked and audited)."""

    deletable = False  # the one scale every rating is computed with
    list_display = ["__str__", "a_from", "b_from", "c_from"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One scale for the whole system (RatingScale.current() reads the first row).
        return super().has_add_permission(request) and not RatingScale.objects.exists()

    def save_model(self, request: HttpRequest, obj: RatingScale, form: Any, change: bool) -> None:
        saved = actions.set_rating_scale(a_from=obj.a_from, b_from=obj.b_from, c_from=obj.c_from, actor=request.user)
        obj.pk = saved.pk


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AuditedModelAdmin):
    """Only the due date moves here (`chizai.pdca.actions.set_due_date`, audited); the half years themselves
    come from the plan's fiscal years and evaluations hang on them, so none is added or deleted by hand."""

    deletable = False  # plan data: its evaluations, their transitions and reminders hang on it
    list_display = ["plan", "fiscal_year", "half", "due_date"]
    list_filter = ["plan", "half"]
    list_editable = ["due_date"]
    ordering = ["plan", "fiscal_year", "half"]
    readonly_fields = ["plan", "fiscal_year", "half"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ReportingPeriod, form: Any, change: bool) -> None:
        actions.set_due_date(period=obj, due_date=obj.due_date, actor=request.user)


class TransitionInline(TabularInline):
    model = Transition
    extra = 0
    fields = ("at", "from_status", "to_status", "actor", "actor_organization", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SelfEvaluation)
class SelfEvaluationAdmin(ReadOnlyAdmin):
    """Read-only: evaluations are written by their organisation and moved by `chizai.workflow.transition()`
    (audited, with the figures locked on 受理); the admin only shows them, and never deletes one."""

    list_display = ["organization", "period", "status_label", "submitted_at", "accepted_at", "updated_at"]
    list_filter = ["status", "period__plan", "period__fiscal_year", "period__half"]
    search_fields = ["organization__name", "organization__code"]
    list_select_related = ["organization", "period", "period__plan"]
    inlines = [TransitionInline]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "from_status", "to_status", "actor", "actor_organization", "at"]
    list_filter = ["to_status"]
    list_select_related = ["evaluation__organization", "evaluation__period__plan", "actor", "actor_organization"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["organization", "period", "kind", "key", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["organization", "period__plan"]
