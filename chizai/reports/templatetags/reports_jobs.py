"""`{% document_jobs "compilation" %}`: the signed-in user's own earlier documents of a kind, newest first.

One query whatever the number of documents (bounded by RECENT_JOBS), through the jobs' permission chokepoint
(`DocumentJob.objects.visible_to`): another user's documents are never listed.
"""

from __future__ import annotations

from typing import Any

from django import template

from chizai.reports.models import DocumentJob

register = template.Library()

RECENT_JOBS = 10
"""How many of the user's documents the list shows (the newest)."""


@register.inclusion_tag("reports/_document_jobs.html", takes_context=True)
def document_jobs(context: template.Context, kind: str) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    jobs = []
    if user is not None:
        jobs = list(
            DocumentJob.objects.visible_to(user)
            .filter(kind=kind)
            .only("token", "title", "fmt", "status", "created_at", "file", "period_id", "kind")
            .order_by("-created_at", "-pk")[:RECENT_JOBS]
        )
    return {"jobs": jobs, "limit": RECENT_JOBS}
