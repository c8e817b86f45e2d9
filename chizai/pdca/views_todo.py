"""The reviewer's to-do page (being written)."""

from django.http import HttpRequest, HttpResponse


def todo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
