from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "chizai.surveys"
    label = "surveys"
    verbose_name = "アンケート・フォローアップ調査"
