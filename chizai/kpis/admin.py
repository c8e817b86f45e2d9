"""Django admin for plans and KPI definitions; every change made here is audited like any other."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chizai.audit.admin_base import AuditedModelAdmin
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


class AuditedAdmin(AuditedModelAdmin):
    """Plan data edited in the admin is recorded against its KPI and plan, like any other change."""

    def audit_links(self, obj: Any) -> dict[str, int | None]:
        return {"kpi_id": _kpi_id(obj), "plan_id": _plan_id(obj)}


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
