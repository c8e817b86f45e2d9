"""Model case pages, internal side (being written)."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


model_case_edit = model_case_admin_list = model_case_review = model_case_transition = _todo
