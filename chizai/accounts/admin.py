"""The admin's sign-in tools, each audited: unlock a locked-out user, reset a lost second factor, and see the
failed attempts (django-axes) and the second factors (allauth) without editing them by hand."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from chizai.accounts import actions
from chizai.audit.admin_accounts import ChizaiUserAdmin
from chizai.audit.admin_base import ReadOnlyAdmin

User = get_user_model()


def _report(modeladmin: Any, request: HttpRequest, done: int, what: str) -> None:
    if done:
        modeladmin.message_user(request, f"{done}人の{what}。", messages.SUCCESS)
    else:
        modeladmin.message_user(request, f"対象の利用者はいませんでした（{what}ものはありません）。", messages.INFO)


@admin.action(description="選択した利用者のログインのロックを解除する")
def unlock_users(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    done = sum(1 for user in queryset if actions.unlock_sign_in(actor=request.user, user=user))
    _report(modeladmin, request, done, "ロックを解除しました")


@admin.action(description="選択した利用者の二要素認証をリセットする（端末の紛失など）")
def reset_second_factors(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    done = sum(1 for user in queryset if actions.reset_second_factor(actor=request.user, user=user))
    _report(modeladmin, request, done, "二要素認証をリセットしました")


class AccountUserAdmin(ChizaiUserAdmin):
    actions = (unlock_users, reset_second_factors)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdmin):
    """Failed sign-ins (django-axes). Unlocking goes through the users' list (audited), not by deleting rows."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    actions = ("unlock",)

    @admin.action(description="選択した試行の利用者のロックを解除する")
    def unlock(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        users = User.objects.filter(username__in={a.username for a in queryset})
        unlock_users(self, request, users)


if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    """Who has which second factor. The secrets are never shown; a reset goes through the users' list."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__username",)
    fields = ("user", "type", "created_at", "last_used_at")
