from django.urls import path

from chizai.exchange import views_import

urlpatterns = [
    path("imports/", views_import.import_list, name="import_list"),
    path("imports/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views_import.import_progress, name="import_progress"),
    path("imports/<int:pk>/apply/", views_import.import_apply, name="import_apply"),
    path("imports/<int:pk>/retry/", views_import.import_retry, name="import_retry"),
]
