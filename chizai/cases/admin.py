"""Django admin for companies, support cases and model cases; every change made here is audited.

Stage moves are not made here: a case's stage and its history (段階の変更) are read-only, because they are
moved by the case pages, which keep the history and the due dates. Inline issues and expert supports are
audited one by one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from chizai.audit.admin_base import AuditedModelAdmin
from chizai.audit.log import log
from chizai.cases.models import (
    CaseIssue,
    Company,
    CompanyTag,
    ExpertSupport,
    ModelCase,
    ModelCaseStatus,
    Stage,
    StageChange,
    SupportCase,
)

REASON = "管理画面"


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The audited values of a row: every concrete field (foreign keys by id) and many-to-many names."""
    values: dict[str, Any] = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.name not in ("id", "version", "created_at", "updated_at", "search_text")
    }
    if obj.pk:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(str(related) for related in getattr(obj, field.name).all())
    return values


def _fresh(obj: models.Model) -> models.Model | None:
    return type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None


def _recompute(case: SupportCase, actor: Any) -> None:
    """A case changed here may change the KPIs counted from cases."""
    from chizai.cases.counting import recompute_for_case

    recompute_for_case(case, actor=actor)


class AuditedAdmin(AuditedModelAdmin):
    """Logs old → new for each save and delete, after the many-to-many fields and inlines are saved.

    Django runs the whole change form in one transaction, so the object, its inlines and the audit entries
    are written together.
    """

    def audit_values(self, obj: Any) -> dict[str, Any]:
        return snapshot(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Logged in save_related instead, once the many-to-many fields and inlines are saved too.
        fresh = _fresh(obj) if change else None
        obj._audit_before = snapshot(fresh) if fresh is not None else None
        if change and hasattr(obj, "version"):
            obj.version += 1
        admin.ModelAdmin.save_model(self, request, obj, form, change)  # not the base's: it would log now

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        verb = "updated" if change else "created"
        log(request.user, f"{self.audit_code}.{verb}", obj, obj._audit_before, snapshot(obj), reason=REASON)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        code = getattr(formset, "audit_code", "")
        for obj in formset.deleted_objects:
            log(request.user, f"{code}.deleted", obj, snapshot(obj), None, reason=REASON)
            obj.delete()
        for obj in instances:
            fresh = _fresh(obj)
            before = snapshot(fresh) if fresh is not None else None
            obj.save()
            log(request.user, f"{code}.{'updated' if before else 'created'}", obj, before, snapshot(obj), reason=REASON)
        formset.save_m2m()


class AuditedInline(admin.TabularInline):
    audit_code = ""
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.audit_code = self.audit_code
        return formset


class StageChangeInline(admin.TabularInline):
    """The stage history: read-only (it is written by the stage moves on the case pages)."""

    model = StageChange
    extra = 0
    fields = ["at", "from_stage", "to_stage", "due_date", "actor", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseIssueInline(AuditedInline):
    model = CaseIssue
    audit_code = "cases.issue"
    fields = ["category", "description"]


class ExpertSupportInline(AuditedInline):
    model = ExpertSupport
    audit_code = "cases.expert_support"
    fields = ["kind", "expert_type", "hours", "start_date", "end_date", "status"]


@admin.register(CompanyTag)
class CompanyTagAdmin(AuditedAdmin):
    audit_code = "cases.company_tag"
    search_fields = ["name"]


@admin.register(Company)
class CompanyAdmin(AuditedAdmin):
    audit_code = "cases.company"
    list_display = ["name", "corporate_number", "prefecture", "industry", "sme_category", "is_demo"]
    list_filter = ["sme_category", "tags", "is_demo"]
    search_fields = ["name", "corporate_number"]
    list_select_related = ["prefecture"]
    autocomplete_fields = ["prefecture", "registered_by"]
    filter_horizontal = ["tags"]


@admin.register(SupportCase)
class SupportCaseAdmin(AuditedAdmin):
    audit_code = "cases.case"
    list_display = ["company", "fiscal_year", "origin", "referred_by", "stage", "stage_due_date", "is_demo"]
    list_filter = ["stage", "origin", "fiscal_year", "is_demo"]
    search_fields = ["company__name", "company__corporate_number"]
    list_select_related = ["company", "referred_by"]
    autocomplete_fields = ["company", "referred_by", "support_team"]
    readonly_fields = ["stage", "stage_entered_at", "created_at"]
    exclude = ["version"]
    inlines = [StageChangeInline, CaseIssueInline, ExpertSupportInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.stage, obj.stage_entered_at = Stage.REFERRAL, timezone.now()
        super().save_model(request, obj, form, change)
        if not change:
            StageChange.objects.create(
                case=obj, from_stage="", to_stage=obj.stage, at=obj.stage_entered_at, actor=request.user
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _recompute(form.instance, request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            _recompute(obj, request.user)


@admin.register(ModelCase)
class ModelCaseAdmin(AuditedAdmin):
    audit_code = "cases.model_case"
    list_display = ["title", "status", "region", "industry", "consent_recorded", "published_at"]
    list_filter = ["status", "consent_recorded"]
    search_fields = ["title", "summary"]
    list_select_related = ["region"]
    raw_id_fields = ["case"]
    readonly_fields = ["approved_by", "approved_at", "published_at", "created_at", "updated_at"]
    exclude = ["version"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.status == ModelCaseStatus.PUBLISHED:
            from chizai.cases.model_cases import build_search_text  # the public search reads this

            obj.search_text = build_search_text(obj)
        super().save_model(request, obj, form, change)
