from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "chizai.exchange"
    label = "exchange"
    verbose_name = "取込・出力"

    def ready(self) -> None:
        from chizai.exchange.actions import interrupt_import_jobs
        from chizai.workers.hooks import on_worker_death

        # An import whose worker died says 「中断」 at once (chizai.workers declares the death).
        on_worker_death(lambda worker_ids: interrupt_import_jobs(worker_ids=worker_ids))
