"""The audit log in the admin (read only), and the audited admin of organisations, users and tokens."""

from django.contrib import admin

from chizai.audit import admin_accounts  # noqa: F401  (registers the organisation, user and token admins)
from chizai.audit.admin_base import ReadOnlyAdmin
from chizai.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "kind", "action", "object_repr", "request_id"]
    list_filter = ["kind", "action"]
    search_fields = ["object_repr", "actor_label", "request_id"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
