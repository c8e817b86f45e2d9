"""Public pages (no login): published model cases, their search and Atom feed."""

from django.urls import path

from chizai.cases import views_public

app_name = "public"

urlpatterns = [
    path("", views_public.model_case_list, name="model_case_list"),
    path("feed.atom", views_public.model_case_feed, name="model_case_feed"),
    path("feed/", views_public.feed_help, name="feed_help"),
    path("<int:pk>/", views_public.model_case_detail, name="model_case_detail"),
]
