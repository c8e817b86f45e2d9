from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The plan's documents as Word (.docx) and PDF, and their charts; large ones are made by a task worker."""

    name = "chizai.reports"
    label = "reports"
    verbose_name = "帳票"

    def ready(self) -> None:
        from chizai.reports.actions import interrupt_document_jobs
        from chizai.workers.hooks import on_worker_death, on_worker_start

        # A document whose worker died says 「中断」 at once (chizai.workers declares the death).
        on_worker_death(lambda worker_ids: interrupt_document_jobs(worker_ids=worker_ids))
        # A worker has the processes that lay out long PDFs ready before its first document, not during it.
        on_worker_start(start_document_processes)


def start_document_processes() -> None:
    from django.conf import settings

    if settings.CHIZAI_DOCUMENT_PROCESSES > 1:
        from chizai.reports import pdf_parts

        pdf_parts.start_fork_server()
