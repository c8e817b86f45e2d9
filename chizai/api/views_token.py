"""The page where a user creates, regenerates and revokes their own API token (APIトークン)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from chizai.audit.log import log


class TokenRecord:
    """The token as the audit log names it: by its user, never by its key (the key is the token's primary key)."""

    _meta = Token._meta

    def __init__(self, user: Any) -> None:
        self.pk = user.pk
        self.username = user.get_username()

    def __str__(self) -> str:
        return f"{self.username} のAPIトークン"


def _state(token: Token | None) -> dict[str, Any] | None:
    return None if token is None else {"user": token.user.get_username(), "created": token.created}


@transaction.atomic
def issue_token(user: Any) -> Token:
    """A new token for the user; an existing one stops working at once (regeneration)."""
    old = Token.objects.select_for_update().filter(user=user).first()
    if old is not None:
        old.delete()
    token = Token.objects.create(user=user)
    action = "api.token.regenerated" if old is not None else "api.token.created"
    log(user, action, TokenRecord(user), _state(old), _state(token))  # type: ignore[arg-type]
    return token


@transaction.atomic
def revoke_token(user: Any) -> bool:
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    log(user, "api.token.revoked", TokenRecord(user), _state(token), None)  # type: ignore[arg-type]
    token.delete()
    return True


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            new_key = issue_token(request.user).key
        elif action == "revoke":
            if revoke_token(request.user):
                messages.success(
                    request, "APIトークンを無効にしました。このトークンを使うシステムは接続できなくなります。"
                )
            return redirect("api:token")
    token = Token.objects.filter(user=request.user).first()
    # The key is shown only in the response to its creation; afterwards the page says only that one exists.
    return render(request, "api/token.html", {"token": token, "new_key": new_key})
