from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations on the whole installation (backup and restore); it owns no rows of its own."""

    name = "chizai.ops"
    label = "ops"
    verbose_name = "運用"
