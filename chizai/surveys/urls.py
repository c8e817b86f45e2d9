from django.urls import path

from chizai.surveys import views, views_kpis

app_name = "surveys"

urlpatterns = [
    path("", views.questionnaire_list, name="questionnaire_list"),
    path("<int:pk>/results/", views.results, name="results"),
    path("cases/<int:case_pk>/", views.case_surveys, name="case_surveys"),
    path("kpi/<int:kpi_pk>/<int:year>/", views_kpis.kpi_answers, name="kpi_answers"),
]
