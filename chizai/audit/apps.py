from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "chizai.audit"
    label = "audit"
    verbose_name = "変更履歴"
