"""Import pages: upload, dry-run report with progress, apply."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("取込")
