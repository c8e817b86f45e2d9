from django.urls import path

from chizai.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.questionnaire_list, name="questionnaire_list"),
    path("<int:pk>/results/", views.results, name="results"),
    path("cases/<int:case_pk>/", views.case_surveys, name="case_surveys"),
]
