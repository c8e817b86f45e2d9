"""API tokens in the Django admin: created and deleted through chizai.api.actions, audited without the key."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from chizai.api.actions import issue_token, revoke_token

ADMIN_REASON = "管理画面"

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class AuditedTokenAdmin(TokenAdmin):
    # The key is a password: the list names the user and the date only.
    list_display = ("user", "created")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        token = issue_token(user=obj.user, actor=request.user, reason=ADMIN_REASON)
        obj.key, obj.created = token.key, token.created

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        revoke_token(user=obj.user, actor=request.user, reason=ADMIN_REASON)

    # Django's own admin log would name the token by its key; the audit entry of the writer records it instead.
    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        return []

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for token in queryset:
            self.delete_model(request, token)
