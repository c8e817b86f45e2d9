"""Public model case pages (being written)."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


model_case_list = model_case_feed = model_case_detail = _todo
