from django.urls import path

from chizai.cases import views, views_model_cases, views_network

app_name = "cases"

urlpatterns = [
    # Cases and companies (views.py)
    path("", views.case_list, name="case_list"),
    path("new/", views.case_create, name="case_create"),
    path("overdue/", views.case_overdue, name="case_overdue"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/stage/", views.case_stage, name="case_stage"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    # Numbers of a KPI computed from cases, drilled through to the cases behind them (views.py)
    path("kpi/<int:kpi_pk>/<int:year>/", views.kpi_drill, name="kpi_drill"),
    # Referral network (views_network.py)
    path("network/", views_network.network, name="network"),
    # Model cases, internal side (views_model_cases.py)
    path("<int:pk>/model-case/", views_model_cases.model_case_edit, name="model_case_edit"),
    path("model-cases/", views_model_cases.model_case_admin_list, name="model_case_admin_list"),
    path("model-cases/<int:pk>/", views_model_cases.model_case_review, name="model_case_review"),
    path(
        "model-cases/<int:pk>/transition/<slug:action>/",
        views_model_cases.model_case_transition,
        name="model_case_transition",
    ),
]
