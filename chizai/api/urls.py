from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from chizai.api import views, views_token

app_name = "api"
urlpatterns = [
    path("plans/", views.PlanList.as_view(), name="plan_list"),
    path("plans/<int:number>/", views.PlanDetail.as_view(), name="plan_detail"),
    path("kpis/", views.KpiList.as_view(), name="kpi_list"),
    path("kpis/<int:pk>/", views.KpiDetail.as_view(), name="kpi_detail"),
    path("kpis/<int:pk>/targets/", views.KpiTargets.as_view(), name="kpi_targets"),
    path("kpis/<int:pk>/actuals/", views.KpiActuals.as_view(), name="kpi_actuals"),
    path("kpis/<int:pk>/evaluations/", views.KpiEvaluations.as_view(), name="kpi_evaluations"),
    path("targets/<int:pk>/", views.TargetDetail.as_view(), name="target_detail"),
    path("cases/", views.CaseList.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case_detail"),
    path("cases/<int:pk>/stage/", views.CaseStage.as_view(), name="case_stage"),
    path("token/", views_token.token_page, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: any other address under /api/ answers the documented JSON error, not Django's HTML page.
    re_path(r"^[\s\S]*/$", views.not_found, name="not_found"),
]
