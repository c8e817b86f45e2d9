from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chizai import views

admin.site.site_header = "chizai 管理"
admin.site.site_title = "chizai 管理"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("pdca/", include("chizai.pdca.urls")),
    path("meetings/", include("chizai.meetings.urls")),
    path("cases/", include("chizai.cases.urls")),
    path("model-cases/", include("chizai.cases.public_urls")),
    path("survey/", include("chizai.surveys.urls_public")),
    path("surveys/", include("chizai.surveys.urls")),
    path("api/", include("chizai.api.urls")),
    path("audit/", include("chizai.audit.urls")),
    path("", include("chizai.search.urls")),
    path("reports/", include("chizai.reports.urls")),
    path("", include("chizai.exchange.urls")),
    path("", include("chizai.kpis.urls")),
    path("healthz", views.healthz, name="healthz"),
]
