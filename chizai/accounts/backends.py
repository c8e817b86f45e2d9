"""The lockout backend (django-axes) and the client address it counts failures by."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    """axes's backend, except for sign-ins that come with no request (the shell, `Client.login` in tests):
    nobody is guessing passwords there, so there is nothing to count or lock."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, *args, **kwargs)  # raises when locked out; never signs anyone in
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; behind the reverse proxy, the address the proxy appended to X-Forwarded-For (the right-most
    one: addresses to its left were sent by the client and may be made up)."""
    if getattr(settings, "CHIZAI_BEHIND_PROXY", False):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-1]
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username a failure counts against: what was passed to authenticate(), else the login form's field;
    lower-cased, so that 「JPO_ADMIN」 and 「jpo_admin」 share one count."""
    username = (credentials or {}).get("username")
    if not username:
        data = getattr(request, "data", None) or request.POST
        username = data.get("login") or data.get("username")
    return str(username).strip().lower() if username else None
