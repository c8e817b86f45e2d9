"""Liaison meeting pages (being written)."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


meeting_list = meeting_create = meeting_detail = meeting_edit = _todo
