from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from chizai import views

admin.site.site_header = "chizai 管理"
admin.site.site_title = "chizai 管理"
# One door: the admin's login is allauth's (password, lockout, second factor), never Django's own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # Sign-in is allauth's (chizai/accounts): /login/ and /logout/ are its views under the names the app uses.
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    # E-mail addresses are set by the organisation's administrator (invitations, resets go there), not by users.
    path("accounts/email/", RedirectView.as_view(pattern_name="accounts:account"), name="account_email_managed"),
    path("accounts/", include("allauth.urls")),
    path("", include("chizai.accounts.urls")),
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
