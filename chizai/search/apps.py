from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "chizai.search"
    label = "search"
    verbose_name = "検索"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from chizai.search import indexes

        # A later migration that rebuilds an indexed table on SQLite drops its triggers with it: re-create them.
        post_migrate.connect(indexes.ensure_after_migrate, dispatch_uid="chizai.search.ensure_indexes")
