"""The admin bases: the audited ModelAdmin (every save and delete logged, old → new) and the read-only one.

Deleting through the admin follows the plan's one-writer rule. An app admin says how its rows go:
- `delete_with = staticmethod(actions.delete_<noun>)`: the owning app's writer, called as
  `delete_with(obj=…, actor=…)`, removes the row and audits every row it removes (cascaded rows included);
- `deletable = False`: never through the admin (plan data: withdraw or correct it through the pages instead);
- neither (the default): the row is deleted and audited when nothing else goes with it, and refused with a
  Japanese message when deleting it would take other rows with it (a cascade the admin would not audit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from chizai.audit.log import log
from chizai.organizations.types import Actor

ADMIN_REASON = "管理画面"
# Never recorded, whatever a subclass lists: a password hash or an API key is no history.
SECRET_FIELDS = frozenset({"password", "key"})

DeleteWriter = Callable[..., None]

if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin  # generic for the type checker only


def row_values(obj: models.Model) -> dict[str, Any]:
    """A row's own columns (foreign keys as ids), secrets left out: what a plain row's history records."""
    return {
        field.name: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if field.name not in SECRET_FIELDS and not field.primary_key
    }


def cascaded_rows(obj: models.Model) -> list[models.Model]:
    """The other rows Django would delete with `obj` (its cascade), as the admin's confirmation page finds them."""
    collector = NestedObjects(using=router.db_for_write(type(obj)))
    collector.collect([obj])
    rows: list[models.Model] = []

    def flatten(items: Any) -> None:
        for item in items:
            if isinstance(item, list):
                flatten(item)
            elif isinstance(item, models.Model) and item != obj:
                rows.append(item)

    flatten(collector.nested())
    return rows


class AuditedModelAdmin(ModelAdmin):
    """Records who changed what for each save and delete; subclasses say which values and links to record."""

    audit_code = ""
    # The owning app's delete writer, `(*, obj, actor) -> None`; it audits every row it removes.
    delete_with: DeleteWriter | None = None
    # False: rows of this kind are never deleted through the admin.
    deletable = True
    refuse_message = (
        "このデータは計画のデータのため、管理画面からは削除できません。各画面から取り下げ・修正してください。"
    )
    cascade_message = (
        "「{obj}」を削除すると関連するデータ（{related}）も削除されるため、管理画面からは削除できません。"
        "関連するデータを先に各画面から整理してください。"
    )

    def audit_values(self, obj: Any) -> dict[str, Any]:
        """The recorded values of a row (the model's own `snapshot()` where it has one, else its columns)."""
        snapshot = getattr(obj, "snapshot", None)
        values: dict[str, Any] = snapshot() if callable(snapshot) else row_values(obj)
        return {name: value for name, value in values.items() if name not in SECRET_FIELDS}

    def audit_links(self, obj: Any) -> dict[str, int | None]:
        """`kpi_id` / `plan_id` of the entry, so the KPI page and plan history list it."""
        return {}

    def _log(self, request: HttpRequest, verb: str, obj: Any, before: Any, after: Any) -> None:
        links = self.audit_links(obj)
        log(
            request.user,
            f"{self.audit_code}.{verb}",
            obj,
            before,
            after,
            reason=ADMIN_REASON,
            kpi_id=links.get("kpi_id"),
            plan_id=links.get("plan_id"),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = self.audit_values(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            if change and hasattr(obj, "version"):
                obj.version += 1
            super().save_model(request, obj, form, change)
            self._log(request, "updated" if change else "created", obj, before, self.audit_values(obj))

    # --- deleting ---------------------------------------------------------------------------------------

    def delete_refusal(self, obj: Any) -> str | None:
        """Why this row may not be deleted through the admin (a Japanese message), or None."""
        if not self.deletable:
            return self.refuse_message
        if type(self).delete_with is not None:
            return None
        related = cascaded_rows(obj)
        if not related:
            return None
        kinds = "、".join(sorted({str(row._meta.verbose_name) for row in related}))
        return self.cascade_message.format(obj=obj, related=kinds)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        obj = self.get_object(request, object_id)
        refusal = self.delete_refusal(obj) if obj is not None else None
        if refusal is None:
            try:
                return super().delete_view(request, object_id, extra_context)
            except (ValidationError, PermissionDenied) as error:
                refusal = "".join(getattr(error, "messages", None) or [str(error)])
        self.message_user(request, refusal, messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        refusal = self.delete_refusal(obj)
        if refusal is not None:
            raise PermissionDenied(refusal)
        writer = type(self).delete_with
        with transaction.atomic():
            if writer is not None:
                writer(obj=obj, actor=_actor(request))
                return
            self._log(request, "deleted", obj, self.audit_values(obj), None)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        refusals = [refusal for obj in queryset if (refusal := self.delete_refusal(obj)) is not None]
        if refusals:
            raise PermissionDenied(refusals[0])
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def response_action(
        self, request: HttpRequest, queryset: models.QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        """The 'delete selected' action refuses like the delete page, with the message instead of a 403."""
        try:
            return super().response_action(request, queryset, *args, **kwargs)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _actor(request: HttpRequest) -> Actor:
    return request.user


class ReadOnlyAdmin(ModelAdmin):
    """Records of what happened (audit entries, transitions, import jobs): shown, never changed by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
