"""Referral network page (being written)."""

from django.http import HttpRequest, HttpResponse


def network(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
