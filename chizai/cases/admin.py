"""Django admin for companies, support cases and model cases.

Companies, their tags and cases are saved and deleted here only through the writers of chizai.cases.actions,
which check, validate and audit (deleting a case audits every stage change, issue and expert support it
removes). Cases are started on the referral page and move stage on the case page, which keep the history and
the due dates: here a case is corrected, its history is shown read-only, and its issues and expert supports
are added, changed and removed through their writers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest

from chizai.audit.admin_base import AuditedModelAdmin, DeleteWriter
from chizai.audit.log import log
from chizai.cases import actions
from chizai.cases.models import (
    CaseIssue,
    Company,
    CompanyTag,
    ExpertSupport,
    ModelCase,
    ModelCaseStatus,
    StageChange,
    SupportCase,
)
from chizai.organizations.types import Actor

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


class AuditedAdmin(AuditedModelAdmin):
    """Model cases (written by chizai.cases.actions): logs old → new for each save and delete, after the
    many-to-many fields are saved.

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


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in the stubs
    """Rows of a case shown in the admin but written on the case page (through chizai.cases.actions)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageChangeInline(ReadOnlyInline):
    """The stage history (written by the stage moves on the case pages)."""

    model = StageChange
    fields = readonly_fields = ("at", "from_stage", "to_stage", "due_date", "actor", "note")


class CaseIssueInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in the stubs
    """Issues, saved through add_issue / update_issue / remove_issue (SupportCaseAdmin.save_formset)."""

    model = CaseIssue
    extra = 0
    fields = ("category", "description")


class ExpertSupportInline(admin.TabularInline):  # type: ignore[type-arg]  # generic only in the stubs
    """Expert supports, saved through the expert-support writers (SupportCaseAdmin.save_formset)."""

    model = ExpertSupport
    extra = 0
    fields = actions.EXPERT_SUPPORT_FIELDS


def _deleting(writer: Callable[..., None], noun: str) -> DeleteWriter:
    """`delete_with` for a cases writer: `writer(<noun>=obj, actor=…, reason=管理画面)`; a refusal of the writer
    (a company with cases, a case with a model case) reaches the admin as its Japanese message."""

    def delete(*, obj: Any, actor: Actor) -> None:
        try:
            writer(**{noun: obj}, actor=actor, reason=REASON)
        except ValidationError as error:
            raise PermissionDenied("".join(error.messages)) from error

    return delete


class WriterAdmin(AuditedModelAdmin):
    """An admin whose saves and deletes go through the writers of chizai.cases.actions (which audit every row
    they write or remove): each subclass's save_model calls its writer, and `delete_with` names its delete."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The writer called by save_model wrote the row and its tags; inlines go through save_formset."""
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Read-only inlines save nothing (the admin's change message still asks what they saved)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def _changes(form: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


def _sort_rows(formset: Any) -> None:
    """Sort an inline's valid forms into new, changed and deleted rows (what the admin's change message reads),
    writing nothing: each form's instance already holds its cleaned values; the writers save them."""
    deleted = [form for form in formset.deleted_forms if form.instance.pk is not None] if formset.can_delete else []
    formset.deleted_objects = [form.instance for form in deleted]
    formset.changed_objects = [
        (form.instance, form.changed_data)
        for form in formset.initial_forms
        if form not in deleted and form.instance.pk is not None and form.has_changed()
    ]
    formset.new_objects = [
        form.instance
        for form in formset.extra_forms
        if form.has_changed() and not (formset.can_delete and formset._should_delete_form(form))
    ]


def _adopt(obj: models.Model, written: models.Model) -> None:
    """Make the admin's unsaved object the row the writer created, so the admin redirects to it."""
    obj.pk = written.pk
    obj._state.adding = False


@admin.register(CompanyTag)
class CompanyTagAdmin(WriterAdmin):
    delete_with = staticmethod(_deleting(actions.delete_tag, "tag"))
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            actions.rename_tag(tag=CompanyTag.objects.get(pk=obj.pk), name=obj.name, actor=request.user, reason=REASON)
        else:
            _adopt(obj, actions.create_tag(name=obj.name, actor=request.user, reason=REASON))


@admin.register(Company)
class CompanyAdmin(WriterAdmin):
    delete_with = staticmethod(_deleting(actions.delete_company, "company"))  # refused while it has cases
    list_display = ["name", "corporate_number", "registered_by", "prefecture", "industry", "sme_category", "is_demo"]
    list_filter = ["sme_category", "tags", "is_demo"]
    search_fields = ["name", "corporate_number"]
    list_select_related = ["prefecture", "registered_by"]
    autocomplete_fields = ["prefecture", "registered_by"]
    filter_horizontal = ["tags"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        tags = [tag.name for tag in form.cleaned_data.get("tags") or []]
        if change:
            changes = _changes(form, actions.COMPANY_FIELDS)
            fresh = Company.objects.get(pk=obj.pk)
            new_tags = tags if "tags" in form.changed_data else None
            actions.update_company(company=fresh, changes=changes, actor=request.user, tags=new_tags, reason=REASON)
            return
        data = {name: form.cleaned_data[name] for name in actions.COMPANY_FIELDS if name in form.cleaned_data}
        _adopt(obj, actions.create_company(**data, tags=tags, actor=request.user, reason=REASON))


@admin.register(SupportCase)
class SupportCaseAdmin(WriterAdmin):
    """Cases are started on the referral page and move stage on the case page; here they are corrected.
    Deleting one goes through `delete_case`, which audits its stage changes, issues and expert supports."""

    delete_with = staticmethod(_deleting(actions.delete_case, "case"))

    list_display = ["company", "fiscal_year", "origin", "referred_by", "stage", "stage_due_date", "is_demo"]
    list_filter = ["stage", "origin", "fiscal_year", "is_demo"]
    search_fields = ["company__name", "company__corporate_number"]
    list_select_related = ["company", "referred_by"]
    autocomplete_fields = ["company", "referred_by", "support_team"]
    fields = ["stage", "stage_entered_at", "fiscal_year", *actions.CORRECTION_FIELDS, *actions.RECORD_FIELDS]
    readonly_fields = ["stage", "stage_entered_at", "fiscal_year"]
    inlines = [StageChangeInline, CaseIssueInline, ExpertSupportInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a case starts on the referral page, which records its first stage and counts it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and hasattr(obj, "model_case"))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fresh = SupportCase.objects.get(pk=obj.pk)
        changes = _changes(form, (*actions.CORRECTION_FIELDS, *actions.RECORD_FIELDS))
        actions.update_case(case=fresh, changes=changes, expected_version=None, actor=request.user, reason=REASON)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model not in (CaseIssue, ExpertSupport):
            return super().save_formset(request, form, formset, change)
        _sort_rows(formset)
        case, actor = form.instance, request.user
        for obj in formset.deleted_objects:
            if isinstance(obj, CaseIssue):
                actions.remove_issue(issue=obj, actor=actor, reason=REASON)
            else:
                actions.remove_expert_support(support=obj, actor=actor, reason=REASON)
        for obj, changed in formset.changed_objects:
            if isinstance(obj, CaseIssue):
                data = {"category": obj.category, "description": obj.description}
                actions.update_issue(issue=obj, **data, actor=actor, reason=REASON)
            else:
                values = {name: getattr(obj, name) for name in changed if name in actions.EXPERT_SUPPORT_FIELDS}
                actions.update_expert_support(support=obj, changes=values, actor=actor, reason=REASON)
        for obj in formset.new_objects:
            if isinstance(obj, CaseIssue):
                data = {"category": obj.category, "description": obj.description}
                actions.add_issue(case=case, **data, actor=actor, reason=REASON, audit_action="cases.issue.created")
            else:
                values = {name: getattr(obj, name) for name in actions.EXPERT_SUPPORT_FIELDS}
                actions.add_expert_support(case=case, **values, actor=actor, reason=REASON)
        return None


@admin.register(ModelCase)
class ModelCaseAdmin(AuditedAdmin):
    """Texts are corrected here (audited); the status moves only through the workflow (chizai.workflow), and a
    model case is never deleted here: 公開停止 takes it back."""

    audit_code = "cases.model_case"
    deletable = False
    list_display = ["title", "status", "region", "industry", "consent_recorded", "published_at"]
    list_filter = ["status", "consent_recorded"]
    search_fields = ["title", "summary"]
    list_select_related = ["region"]
    raw_id_fields = ["case"]
    readonly_fields = ["status", "approved_by", "approved_at", "published_at", "created_at", "updated_at"]
    exclude = ["version"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if obj.status == ModelCaseStatus.PUBLISHED:
            from chizai.cases.model_cases import build_search_text  # the public search reads this

            obj.search_text = build_search_text(obj)
        super().save_model(request, obj, form, change)
