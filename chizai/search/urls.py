from django.urls import path

from chizai.search import help_pages, views

app_name = "search"

urlpatterns = [
    path("search/", views.results, name="results"),
    path("help/", help_pages.help_page, name="help"),
]
