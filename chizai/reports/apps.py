from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The plan's documents as Word (.docx) and PDF, and their charts; it owns no rows of its own."""

    name = "chizai.reports"
    label = "reports"
    verbose_name = "帳票"
