"""Import jobs in the Django admin: read-only, for support staff tracing what a file did."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chizai.exchange.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "original_name", "user", "plan", "organization", "status", "size"]
    list_filter = ["status", "plan"]
    search_fields = ["original_name", "sha256", "user__username"]
    list_select_related = ["user", "plan", "organization"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    # Jobs are created and moved on by the import pages only, so that every step is checked and audited.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
