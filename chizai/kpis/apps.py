from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "chizai.kpis"
    label = "kpis"
    verbose_name = "計画・KPI"
