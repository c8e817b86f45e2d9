from django.urls import re_path

from chizai.exchange import views_export

FMT = r"(?P<fmt>xlsx|csv)"

urlpatterns = [
    re_path(
        rf"^exports/plans/(?P<number>[0-9]+)/dashboard\.{FMT}$", views_export.export_dashboard, name="export_dashboard"
    ),
    re_path(
        rf"^exports/organizations/(?P<code>[-a-zA-Z0-9_]+)/kpis\.{FMT}$",
        views_export.export_organization,
        name="export_organization",
    ),
    re_path(rf"^exports/evaluations\.{FMT}$", views_export.export_evaluations, name="export_evaluations"),
    re_path(
        rf"^exports/compilation/(?P<period_id>[0-9]+)\.{FMT}$",
        views_export.export_compilation,
        name="export_compilation",
    ),
    re_path(rf"^exports/cases\.{FMT}$", views_export.export_cases, name="export_cases"),
    re_path(
        rf"^imports/templates/(?P<kind>register|actuals)\.{FMT}$", views_export.import_template, name="import_template"
    ),
]
