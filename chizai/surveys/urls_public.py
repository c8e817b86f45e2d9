"""The answering page of survey invitations (no login)."""

from django.urls import path

from chizai.surveys import views_public

app_name = "survey_answer"

urlpatterns = [
    path("<str:token>/", views_public.answer, name="answer"),
]
