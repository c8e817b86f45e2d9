"""The admin bases: the audited ModelAdmin (every save and delete logged, old → new) and the read-only one."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from chizai.audit.log import log

ADMIN_REASON = "管理画面"


class AuditedModelAdmin(admin.ModelAdmin):
    """Records who changed what for each save and delete; subclasses say which values and links to record."""

    audit_code = ""

    def audit_values(self, obj: Any) -> dict[str, Any]:
        """The recorded values of a row (by default the model's own `snapshot()`)."""
        return obj.snapshot()

    def audit_links(self, obj: Any) -> dict[str, int | None]:
        """`kpi_id` / `plan_id` of the entry, so the KPI page and plan history list it."""
        return {}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = self.audit_values(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            if change and hasattr(obj, "version"):
                obj.version += 1
            super().save_model(request, obj, form, change)
            verb = "updated" if change else "created"
            log(
                request.user,
                f"{self.audit_code}.{verb}",
                obj,
                before,
                self.audit_values(obj),
                reason=ADMIN_REASON,
                **self.audit_links(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            log(
                request.user,
                f"{self.audit_code}.deleted",
                obj,
                self.audit_values(obj),
                None,
                reason=ADMIN_REASON,
                **self.audit_links(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened (audit entries, transitions, import jobs): shown, never changed by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
