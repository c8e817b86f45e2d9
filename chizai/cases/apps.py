from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chizai.cases"
    label = "cases"
    verbose_name = "ハンズオン支援"
