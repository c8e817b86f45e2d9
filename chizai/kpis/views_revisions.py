"""KPI revision pages and notices (being written)."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


revision_propose = revision_detail = revision_list = notice_list = _todo
