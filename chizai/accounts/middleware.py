"""The sign-in policy on every signed-in request: a session ends 8 hours after sign-in whatever its use, and a
user who must have a second factor (administrators and reviewers, when CHIZAI_MFA_REQUIRED) sets one up before
anything else."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from chizai.accounts.adapters import has_second_factor, second_factor_required
from chizai.accounts.signals import SIGNED_IN_AT

MFA_OK = "_chizai_mfa_ok"
MFA_SETUP_MESSAGE = "管理者・審査者の方は二要素認証が必要です。認証アプリを登録してから利用を始めてください。"
EXPIRED_MESSAGE = "ログインから一定時間が経過したため、ログアウトしました。もう一度ログインしてください。"


def _exempt_prefixes() -> tuple[str, ...]:
    """Where a user without their required second factor may still go: setting it up, signing out, static files."""
    return (
        reverse("mfa_index"),
        reverse("account_logout"),
        reverse("logout"),
        reverse("account_reauthenticate"),
        settings.STATIC_URL,
    )


class SignInPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            session = request.session
            now = int(time.time())
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            if now - int(signed_in_at) > settings.CHIZAI_SESSION_MAX_SECONDS:
                logout(request)
                messages.info(request, EXPIRED_MESSAGE)
                return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
            if (
                not session.get(MFA_OK)
                and second_factor_required(user)
                and not request.path.startswith(_exempt_prefixes())
            ):
                if not has_second_factor(user):
                    messages.warning(request, MFA_SETUP_MESSAGE)
                    return HttpResponseRedirect(reverse("mfa_activate_totp"))
                session[MFA_OK] = True
        return self.get_response(request)
