from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The plan's documents as Word (.docx) and PDF, and their charts; large ones are made by a task worker."""

    name = "chizai.reports"
    label = "reports"
    verbose_name = "帳票"

    def ready(self) -> None:
        from chizai.reports.actions import interrupt_document_jobs
        from chizai.workers.hooks import on_worker_death

        # A document whose worker died says 「中断」 at once (chizai.workers declares the death).
        on_worker_death(lambda worker_ids: interrupt_document_jobs(worker_ids=worker_ids))
