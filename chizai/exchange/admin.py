"""Import jobs in the Django admin: read-only, for support staff tracing what a file did."""

from __future__ import annotations

from django.contrib import admin

from chizai.audit.admin_base import ReadOnlyAdmin
from chizai.exchange.models import ImportJob


# Jobs are created and moved on by the import pages only, so that every step is checked and audited.
@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "original_name", "user", "plan", "organization", "status", "size"]
    list_filter = ["status", "plan"]
    search_fields = ["original_name", "sha256", "user__username"]
    list_select_related = ["user", "plan", "organization"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
