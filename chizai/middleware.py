"""Project-wide middleware: confidential responses are never cached, and log records know who asked."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from chizai.logs import current_request

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
