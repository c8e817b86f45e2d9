"""Project-level pages: the health check and the Japanese CSRF-failure page."""

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from chizai.workers.health import worker_health


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: 503 when the database does not answer, else 200, no login, no details.

    `worker` is "ok" while a task worker has beaten within CHIZAI_WORKER_STALE_SECONDS, else "stale" (imports and
    mail wait), with the seconds since the last beat; `status` is then "degraded" for monitoring to alert on,
    while the answer stays 200: this web server can still serve pages.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        workers = worker_health()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    last_seen = None if workers.last_seen_seconds is None else round(workers.last_seen_seconds, 1)
    return JsonResponse(
        {
            "status": "ok" if workers.ok else "degraded",
            "database": "ok",
            "worker": "ok" if workers.ok else "stale",
            "workers_alive": workers.alive,
            "worker_last_seen_seconds": last_seen,
        }
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a Japanese page telling the user to reload the form, instead of Django's English one."""
    return render(request, "403_csrf.html", status=403)
