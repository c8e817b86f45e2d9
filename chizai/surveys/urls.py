from django.urls import path

from chizai.surveys import views, views_analysis, views_design, views_kpis, views_municipal

app_name = "surveys"

urlpatterns = [
    path("", views.questionnaire_list, name="questionnaire_list"),
    path("<int:pk>/results/", views_analysis.results, name="results"),
    path("cases/<int:case_pk>/", views.case_surveys, name="case_surveys"),
    path("kpi/<int:kpi_pk>/<int:year>/", views_kpis.kpi_answers, name="kpi_answers"),
    # Questionnaire design (JPO), results' free texts, municipal invitations and the regional analysis.
    path("new/", views_design.questionnaire_create, name="questionnaire_create"),
    path("<int:pk>/edit/", views_design.questionnaire_edit, name="questionnaire_edit"),
    path("<int:pk>/send/", views_design.questionnaire_send, name="questionnaire_send"),
    path("<int:pk>/texts/", views_analysis.free_texts, name="free_texts"),
    path("<int:pk>/municipal/", views_municipal.municipal_status, name="municipal_status"),
    path("municipal/<int:invitation_pk>/answer/", views_municipal.municipal_answer, name="municipal_answer"),
    path("analysis/", views_analysis.analysis_index, name="analysis_index"),
    path("analysis/<slug:code>/", views_analysis.analysis_region, name="analysis_region"),
]
