from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in policy around django-allauth and django-axes, and organisation administrators' user pages."""

    name = "chizai.accounts"
    label = "chizai_accounts"
    verbose_name = "サインイン"

    def ready(self) -> None:
        from chizai.accounts import signals

        signals.connect()
