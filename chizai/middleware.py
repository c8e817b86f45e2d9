"""Project-wide middleware: confidential responses are never cached, and log records know who asked."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from chizai.logs import current_request

SESSION_RENEWED_KEY = "_chizai_renewed_at"
# How stale the idle-timeout clock may get: reading pages writes the session at most once a minute.
SESSION_RENEWAL_SECONDS = 60

# Token-authenticated API calls and file downloads are confidential even when the session is anonymous.
CONFIDENTIAL_PREFIXES = ("/api/", "/exports/", "/imports/")


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every signed-in response, the API and the exports.

    Public model-case pages seen anonymously keep their caching; static files never reach this middleware
    (WhiteNoise answers them first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(CONFIDENTIAL_PREFIXES) or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class LogContextMiddleware:
    """Lets log records name the request id and the signed-in user (chizai.logs.RequestContextFilter)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


class IdleTimeoutMiddleware:
    """Ends a signed-in session SESSION_COOKIE_AGE seconds after its last request (the idle timeout).

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every page view; on SQLite that write
    contends with users' saves. Instead the session is renewed (row and cookie) at most once a minute, and
    for free whenever the request changed it anyway (signing in does).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if not request.user.is_authenticated or session.is_empty():
            return response
        now = int(time.time())
        renewed_at = session.get(SESSION_RENEWED_KEY)
        if session.modified or (renewed_at is not None and now - renewed_at >= SESSION_RENEWAL_SECONDS):
            session[SESSION_RENEWED_KEY] = now
        return response
