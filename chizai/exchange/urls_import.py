from django.urls import path

from chizai.exchange import views_import

urlpatterns = [
    path("imports/", views_import.import_list, name="import_list"),
]
