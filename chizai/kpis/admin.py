"""Django admin for plans and KPI data: every change goes through the KPI writers (chizai.kpis.actions).

So the admin obeys the rules every other path obeys: a value locked by an accepted self-evaluation or counted
from hands-on support cases cannot be changed or deleted (the form says why, in Japanese), and each change is
audited by the writer. Plans and KPI definitions are never deleted here: a KPI's deletion would cascade to its
actuals, targets, snapshot values and ratings.

The core admin base (chizai.audit.admin_base.AuditedModelAdmin) has no delete-through-a-writer hook yet, so
`WriterAdmin` overrides save_model / delete_model / delete_queryset / has_delete_permission itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from chizai.kpis import actions
from chizai.kpis.models import Actual, DemoDataset, Evaluation, Kpi, Plan, Target
from chizai.organizations.types import Actor

ADMIN_REASON = "管理画面"
KPI_DELETE_REFUSED = (
    "このデータは計画のデータのため、管理画面からは削除できません（実績・目標・自己評価の記録も消えるため）。"
    "計画ファイルから外すか、各画面から取り下げ・修正してください。"
)


class _Rehearsal(Exception):
    """Rolls back the writer's trial run made while validating the form."""


class WriterForm(forms.ModelForm):  # type: ignore[type-arg]
    """A form that asks the KPI writer, in a rolled-back trial, whether the change may be made."""

    actor: Actor = None
    writer_admin: WriterAdmin | None = None

    def _post_clean(self) -> None:
        # After the instance has the form's values (django-stubs does not declare this ModelForm hook).
        super()._post_clean()  # type: ignore[misc]
        if self.errors or self.writer_admin is None:
            return
        try:
            with transaction.atomic():
                self.writer_admin.write(self.instance, self, self.actor)
                raise _Rehearsal
        except _Rehearsal:
            pass
        except actions.ConflictError as error:
            self.add_error(None, error.message)
        except (ValidationError, PermissionDenied) as error:
            messages_ = error.messages if isinstance(error, ValidationError) else [str(error)]
            self.add_error(None, messages_)


class WriterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """An admin whose saves and deletes are the KPI writers' (permission, lock, version, audit)."""

    form = WriterForm
    key_fields: tuple[str, ...] = ()  # the natural key: fixed once the row exists

    def write(self, obj: Any, form: forms.ModelForm, actor: Actor) -> Any:  # type: ignore[type-arg]
        raise NotImplementedError

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user, "writer_admin": self})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = self.key_fields if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.write(obj, form, request.user)
        if saved is not None:
            obj.pk = saved.pk

    def refusal(self, obj: Any) -> str | None:
        """Why this row may not be deleted, in Japanese (None: it may)."""
        return None

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        reason = self.refusal(obj) if obj is not None else None
        if obj is not None and reason is not None:
            messages.error(request, reason)
            info = (self.opts.app_label, self.opts.model_name)
            return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.delete_rows(rows=[obj], actor=request.user, reason=ADMIN_REASON)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        actions.delete_rows(rows=list(queryset.select_related("kpi")), actor=request.user, reason=ADMIN_REASON)

    def get_actions(self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST) -> Any:
        found = super().get_actions(request, action_location)
        found.pop("delete_selected", None)  # one row at a time, so a refused row says why
        return found


class TargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Target
    extra = 0
    fields = ["start_year", "end_year", "value", "note"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Targets are edited on their own admin page so that each change goes through the writer.
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _values(form: forms.ModelForm, obj: Any, exclude: tuple[str, ...]) -> dict[str, Any]:  # type: ignore[type-arg]
    return {name: getattr(obj, name) for name in form.base_fields if name not in exclude}


@admin.register(Plan)
class PlanAdmin(WriterAdmin):
    list_display = ["number", "name", "first_fiscal_year", "last_fiscal_year", "published"]
    key_fields = ("number",)

    def write(self, obj: Plan, form: forms.ModelForm, actor: Actor) -> Plan:  # type: ignore[type-arg]
        values = _values(form, obj, ("number",))
        plan, _ = actions.save_plan(number=obj.number, values=values, actor=actor, reason=ADMIN_REASON)
        return plan

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # plan data: deleting it would take every KPI, actual and self-evaluation with it

    def refusal(self, obj: Any) -> str | None:
        return KPI_DELETE_REFUSED


@admin.register(Kpi)
class KpiAdmin(WriterAdmin):
    list_display = ["code", "short_name", "plan", "kind", "owner", "shape", "unit"]
    list_filter = ["plan", "kind", "shape"]
    search_fields = ["code", "name"]
    list_select_related = ["plan", "owner"]
    autocomplete_fields = ["owner"]
    raw_id_fields = ["parent"]
    exclude = ["version"]
    inlines = [TargetInline]
    key_fields = ("plan", "code")

    def write(self, obj: Kpi, form: forms.ModelForm, actor: Actor) -> Kpi:  # type: ignore[type-arg]
        current = Kpi.objects.filter(pk=obj.pk).select_related("owner", "parent").first() if obj.pk else None
        kpi, _ = actions.save_kpi(
            plan=obj.plan,
            code=obj.code,
            values=_values(form, obj, ("plan", "code")),
            current=current,
            expected_version=current.version if current is not None else 0,
            actor=actor,
            reason=ADMIN_REASON,
        )
        return kpi

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # plan data: it would cascade to actuals, targets, snapshot values and ratings

    def refusal(self, obj: Any) -> str | None:
        return KPI_DELETE_REFUSED

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        raise PermissionDenied(KPI_DELETE_REFUSED)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        raise PermissionDenied(KPI_DELETE_REFUSED)


@admin.register(Target)
class TargetAdmin(WriterAdmin):
    list_display = ["kpi", "start_year", "end_year", "value", "note"]
    list_filter = ["kpi__plan"]
    list_select_related = ["kpi"]
    raw_id_fields = ["kpi"]
    exclude = ["version", "from_plan_file"]
    key_fields = ("kpi", "start_year", "end_year")

    def write(self, obj: Target, form: forms.ModelForm, actor: Actor) -> Target | None:  # type: ignore[type-arg]
        return actions.save_target(
            kpi=obj.kpi,
            start_year=obj.start_year,
            end_year=obj.end_year,
            value=obj.value,
            note=obj.note,
            expected_version=obj.version if obj.pk else 0,
            actor=actor,
            reason=ADMIN_REASON,
        )


@admin.register(Actual)
class ActualAdmin(WriterAdmin):
    list_display = ["kpi", "start_year", "end_year", "half", "value", "numerator", "denominator", "source"]
    list_filter = ["kpi__plan", "source", "half"]
    list_select_related = ["kpi"]
    raw_id_fields = ["kpi"]
    exclude = ["version"]
    key_fields = ("kpi", "start_year", "end_year", "half")

    def write(self, obj: Actual, form: forms.ModelForm, actor: Actor) -> Actual | None:  # type: ignore[type-arg]
        return actions.save_actual(
            kpi=obj.kpi,
            start_year=obj.start_year,
            end_year=obj.end_year,
            half=obj.half,
            value=obj.value,
            numerator=obj.numerator,
            denominator=obj.denominator,
            source=obj.source,
            source_note=obj.source_note,
            expected_version=obj.version if obj.pk else 0,
            actor=actor,
            reason=ADMIN_REASON,
        )

    def refusal(self, obj: Actual) -> str | None:
        return actions.actual_refusal(obj)


@admin.register(Evaluation)
class EvaluationAdmin(WriterAdmin):
    list_display = ["kpi", "start_year", "end_year", "half"]
    list_select_related = ["kpi"]
    raw_id_fields = ["kpi"]
    exclude = ["version", "from_plan_file"]
    key_fields = ("kpi", "start_year", "end_year", "half")

    def write(self, obj: Evaluation, form: forms.ModelForm, actor: Actor) -> Evaluation | None:  # type: ignore[type-arg]
        return actions.save_evaluation(
            kpi=obj.kpi,
            start_year=obj.start_year,
            end_year=obj.end_year,
            half=obj.half,
            text=obj.text,
            expected_version=obj.version if obj.pk else 0,
            actor=actor,
            reason=ADMIN_REASON,
        )


@admin.register(DemoDataset)
class DemoDatasetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["description", "loaded_at"]
