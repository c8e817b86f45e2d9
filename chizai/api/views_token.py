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
from chizai.api.forms import TokenForm
from chizai.api.models import TokenPolicy


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(max_days=token_days_allowed())
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            form = TokenForm(request.POST, max_days=token_days_allowed())
            if form.is_valid():
                days, read_only = form.cleaned_data["days"], form.cleaned_data["read_only"]
                try:
                    new_key = issue_token(user=request.user, actor=request.user, days=days, read_only=read_only).key
                except ValidationError as error:
                    form.add_error("days", error)
        elif action == "revoke":
            if revoke_token(user=request.user, actor=request.user):
                messages.success(
                    request, "APIトークンを無効にしました。このトークンを使うシステムは接続できなくなります。"
                )
            return redirect("api:token")
    token = token_of(request.user)
    policy = TokenPolicy.objects.filter(token=token).first() if token else None
    # The key is shown only in the response to its creation; afterwards the page says only that one exists.
    context = {"token": token, "policy": policy, "new_key": new_key, "form": form}
    return render(request, "api/token.html", context)
