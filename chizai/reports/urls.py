from django.urls import path, re_path

from chizai.reports import views

app_name = "reports"

FMT = r"(?P<fmt>docx|pdf)"

urlpatterns = [
    re_path(rf"^plans/(?P<number>[0-9]+)/report\.{FMT}$", views.plan_report, name="plan_report"),
    re_path(rf"^evaluations/(?P<pk>[0-9]+)\.{FMT}$", views.self_evaluation, name="self_evaluation"),
    re_path(rf"^compilation/(?P<period_id>[0-9]+)\.{FMT}$", views.compilation, name="compilation"),
    re_path(
        rf"^compilation/(?P<period_id>[0-9]+)/request\.{FMT}$", views.compilation_request, name="compilation_request"
    ),
    path("documents/<uuid:token>/", views.document_job, name="document_job"),
    path("documents/<uuid:token>/progress/", views.document_job_progress, name="document_job_progress"),
    path("documents/<uuid:token>/download/", views.document_job_download, name="document_job_download"),
    re_path(rf"^plans/(?P<number>[0-9]+)/final\.{FMT}$", views.final_evaluation, name="final_evaluation"),
    re_path(rf"^meetings/(?P<pk>[0-9]+)\.{FMT}$", views.meeting, name="meeting"),
    re_path(rf"^cases/(?P<pk>[0-9]+)\.{FMT}$", views.case, name="case"),
    re_path(rf"^model-cases/(?P<pk>[0-9]+)\.{FMT}$", views.model_case, name="model_case"),
    re_path(rf"^analysis/(?P<code>[-a-zA-Z0-9_]+)\.{FMT}$", views.regional_analysis, name="regional_analysis"),
    re_path(r"^surveys/(?P<pk>[0-9]+)/answers\.(?P<fmt>xlsx|csv)$", views.survey_answers, name="survey_answers"),
]
