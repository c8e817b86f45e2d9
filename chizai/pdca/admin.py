"""Django admin for the PDCA cycle: the rating thresholds and due dates are set here; the rest is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from chizai.audit.admin_base import AuditedModelAdmin, ReadOnlyAdmin
from chizai.pdca.models import RatingScale, ReminderLog, ReportingPeriod, SelfEvaluation, Transition


class AuditedSettingAdmin(AuditedModelAdmin):
    """Records who changed a setting (old → new), as every change of plan data is recorded."""

    audited_fields: tuple[str, ...] = ()

    def audit_values(self, obj: models.Model) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.audited_fields}

    def audit_links(self, obj: Any) -> dict[str, int | None]:
        return {"plan_id": getattr(obj, "plan_id", None)}


@admin.register(RatingScale)
class RatingScaleAdmin(AuditedSettingAdmin):
    list_display = ["__str__", "a_from", "b_from", "c_from"]
    audit_code = "pdca.rating_scale"
    audited_fields = ("a_from", "b_from", "c_from")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One scale for the whole system (RatingScale.current() reads the first row).
        return super().has_add_permission(request) and not RatingScale.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AuditedSettingAdmin):
    list_display = ["plan", "fiscal_year", "half", "due_date"]
    list_filter = ["plan", "half"]
    list_editable = ["due_date"]
    ordering = ["plan", "fiscal_year", "half"]
    audit_code = "pdca.period"
    audited_fields = ("fiscal_year", "half", "due_date")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Evaluations hang on a period: once it exists only its due date may move.
        return ["plan", "fiscal_year", "half"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    fields = ["at", "from_status", "to_status", "actor", "actor_organization", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SelfEvaluation)
class SelfEvaluationAdmin(ReadOnlyAdmin):
    """Read-mostly: the workflow moves evaluations (and audits it); the admin only shows them."""

    list_display = ["organization", "period", "status", "submitted_at", "accepted_at", "updated_at"]
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
