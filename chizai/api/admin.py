"""API tokens in the Django admin: created and deleted through chizai.api.actions, audited without the key."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from chizai.api.actions import issue_token, revoke_token
from chizai.api.models import TokenPolicy

ADMIN_REASON = "管理画面"


class _TokenLabel:
    """Stands in for the token on the delete page: its address (by user) and a name without the key."""

    def __init__(self, pk: str, label: str) -> None:
        self.pk = pk
        self.label = label

    def __str__(self) -> str:
        return self.label


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class AuditedTokenAdmin(TokenAdmin):
    # The key is a password: the list names the user, the dates and the scope only, never the key.
    list_display = ("user", "created", "expires_at", "read_only")

    @admin.display(description="有効期限")
    def expires_at(self, obj: Any) -> Any:
        policy = TokenPolicy.objects.filter(token_id=obj.key).first()
        return policy.expires_at if policy else None

    @admin.display(description="読み取り専用", boolean=True)
    def read_only(self, obj: Any) -> bool | None:
        policy = TokenPolicy.objects.filter(token_id=obj.key).first()
        return policy.read_only if policy else None

    # DRF names a token by its key; every page of a token names it by its user instead.
    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        label = self._label(object_id)
        named = {"original": label, "subtitle": str(label)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **named})

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        label = self._label(object_id)
        named = {"object": label, "title": f"変更履歴: {label}"}
        return super().history_view(request, object_id, {**(extra_context or {}), **named})

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        label = self._label(object_id)
        named = {"object": label, "escaped_object": str(label)}
        return super().delete_view(request, object_id, {**(extra_context or {}), **named})

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        _, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return [f"{obj.user} のAPIトークン" for obj in objs], model_count, perms_needed, protected

    def _label(self, object_id: str) -> _TokenLabel:
        user = User.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        return _TokenLabel(object_id, f"{user} のAPIトークン" if user else "APIトークン")

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
