"""The page where a user creates, regenerates and revokes their own API token (APIトークン)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from chizai.api.actions import issue_token, revoke_token, token_days_allowed, token_of
from chizai.api.models import TokenPolicy


def _days(request: HttpRequest) -> int | None:
    value = request.POST.get("days", "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        raise ValidationError("有効期間は日数（半角数字）で指定してください。") from None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            try:
                days, read_only = _days(request), request.POST.get("read_only") == "on"
                new_key = issue_token(user=request.user, actor=request.user, days=days, read_only=read_only).key
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        elif action == "revoke":
            if revoke_token(user=request.user, actor=request.user):
                messages.success(
                    request, "APIトークンを無効にしました。このトークンを使うシステムは接続できなくなります。"
                )
            return redirect("api:token")
    token = token_of(request.user)
    policy = TokenPolicy.objects.filter(token=token).first() if token else None
    # The key is shown only in the response to its creation; afterwards the page says only that one exists.
    context = {"token": token, "policy": policy, "new_key": new_key, "max_days": token_days_allowed()}
    return render(request, "api/token.html", context)
