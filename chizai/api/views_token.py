"""The page where a user creates, regenerates and revokes their own API token (APIトークン)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from chizai.api.actions import issue_token, revoke_token, token_of


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            new_key = issue_token(user=request.user, actor=request.user).key
        elif action == "revoke":
            if revoke_token(user=request.user, actor=request.user):
                messages.success(
                    request, "APIトークンを無効にしました。このトークンを使うシステムは接続できなくなります。"
                )
            return redirect("api:token")
    token = token_of(request.user)
    # The key is shown only in the response to its creation; afterwards the page says only that one exists.
    return render(request, "api/token.html", {"token": token, "new_key": new_key})
