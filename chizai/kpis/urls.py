from django.urls import path

from chizai.kpis import views, views_grid, views_list, views_revisions

app_name = "kpis"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plans/<int:number>/", views.dashboard, name="plan_dashboard"),
    path("plans/<int:number>/report/", views.plan_report, name="plan_report"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/<slug:code>/", views.organization_detail, name="organization_detail"),
    path("grid/", views_grid.grid_start, name="grid_start"),
    path("organizations/<slug:code>/grid/", views_grid.organization_grid, name="organization_grid"),
    path("kpis/", views_list.kpi_list, name="kpi_list"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi_detail"),
    path("kpis/<int:pk>/actual/", views.actual_edit, name="actual_edit"),
    path("kpis/<int:pk>/evaluation/", views.evaluation_edit, name="evaluation_edit"),
    path("kpis/<int:pk>/revise/", views_revisions.revision_propose, name="revision_propose"),
    path("revisions/", views_revisions.revision_list, name="revision_list"),
    path("revisions/<int:pk>/", views_revisions.revision_detail, name="revision_detail"),
    path("notices/", views_revisions.notice_list, name="notice_list"),
]
