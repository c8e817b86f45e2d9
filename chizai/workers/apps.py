from django.apps import AppConfig


class WorkersConfig(AppConfig):
    """The task workers (`chizai db_worker`): their heartbeats, and what happens to the work of one that died."""

    name = "chizai.workers"
    label = "workers"
    verbose_name = "バックグラウンド処理"
