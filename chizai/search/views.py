"""The search results page (検索) behind the header's search box."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chizai.audit.log import log_access
from chizai.search.query import search


@login_required
def results(request: HttpRequest) -> HttpResponse:
    found = search(request.user, request.GET.get("q", ""))
    if found.companies or found.cases:
        # Company data shown: recorded like a view of it (the query, not the rows, is the label).
        log_access(request.user, "search.companies.listed", f"検索「{found.query}」")
    return render(request, "search/results.html", {"results": found, "query": found.query})
