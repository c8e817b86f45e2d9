"""Self-evaluation pages (being written)."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


evaluation_list = evaluation_start = evaluation_detail = evaluation_edit = evaluation_transition = _todo
