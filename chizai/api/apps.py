from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chizai.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from chizai.api import password

        password.connect()
