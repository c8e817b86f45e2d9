"""Case and company pages (being written)."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


case_list = case_create = case_overdue = case_detail = case_edit = case_stage = _todo
company_list = company_create = company_detail = kpi_drill = _todo
