from django.http import HttpRequest, HttpResponse


def dashboard(request: HttpRequest, number: int | None = None) -> HttpResponse:
    return HttpResponse("")


plan_report = organization_list = organization_detail = kpi_detail = actual_edit = evaluation_edit = dashboard
