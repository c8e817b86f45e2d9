from django.apps import AppConfig


class PdcaConfig(AppConfig):
    name = "chizai.pdca"
    label = "pdca"
    verbose_name = "PDCA（自己評価）"
