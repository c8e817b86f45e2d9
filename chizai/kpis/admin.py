"""Django admin for plans and KPI definitions; every change made here is audited like any other."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from chizai.audit.log import log
from chizai.kpis.models import Actual, DemoDataset, Evaluation, Kpi, Plan, Target


def _kpi_id(obj: Any) -> int | None:
    if isinstance(obj, Kpi):
        return obj.pk
    return getattr(obj, "kpi_id", None)


def _plan_id(obj: Any) -> int | None:
    if isinstance(obj, Plan):
        return obj.pk
    if isinstance(obj, Kpi):
        return obj.plan_id
    kpi = getattr(obj, "kpi", None)
    return kpi.plan_id if kpi else None


class AuditedAdmin(admin.ModelAdmin):
    """Records who changed what (old → new) for every save and delete made in the admin."""

    audit_code = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = type(obj).objects.get(pk=obj.pk).snapshot() if change and obj.pk else None
            if change and hasattr(obj, "version"):
                obj.version += 1
            super().save_model(request, obj, form, change)
            verb = "updated" if change else "created"
            log(
                request.user,
                f"{self.audit_code}.{verb}",
                obj,
                before,
                obj.snapshot(),
                kpi_id=_kpi_id(obj),
                plan_id=_plan_id(obj),
                reason="管理画面",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            log(
                request.user,
                f"{self.audit_code}.deleted",
                obj,
                obj.snapshot(),
                None,
                kpi_id=_kpi_id(obj),
                plan_id=_plan_id(obj),
                reason="管理画面",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["start_year", "end_year", "value", "note"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Targets are edited on their own admin page so that each change is audited.
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(AuditedAdmin):
    audit_code = "plan"
    list_display = ["number", "name", "first_fiscal_year", "last_fiscal_year", "published"]


@admin.register(Kpi)
class KpiAdmin(AuditedAdmin):
    audit_code = "kpi"
    list_display = ["code", "short_name", "plan", "kind", "owner", "shape", "unit"]
    list_filter = ["plan", "kind", "shape"]
    search_fields = ["code", "name"]
    list_select_related = ["plan", "owner"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["parent"]
    exclude = ["version"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    audit_code = "kpi.target"
    list_display = ["kpi", "start_year", "end_year", "value", "note"]
    list_filter = ["kpi__plan"]
    list_select_related = ["kpi"]
    raw_id_fields = ["kpi"]
    exclude = ["version", "from_plan_file"]


@admin.register(Actual)
class ActualAdmin(AuditedAdmin):
    audit_code = "kpi.actual"
    list_display = ["kpi", "start_year", "end_year", "half", "value", "numerator", "denominator", "source"]
    list_filter = ["kpi__plan", "source", "half"]
    list_select_related = ["kpi"]
    raw_id_fields = ["kpi"]
    exclude = ["version"]


@admin.register(Evaluation)
class EvaluationAdmin(AuditedAdmin):
    audit_code = "kpi.evaluation"
    list_display = ["kpi", "start_year", "end_year", "half"]
    list_select_related = ["kpi"]
    raw_id_fields = ["kpi"]
    exclude = ["version", "from_plan_file"]


@admin.register(DemoDataset)
class DemoDatasetAdmin(admin.ModelAdmin):
    list_display = ["description", "loaded_at"]
