from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "chizai.exchange"
    label = "exchange"
    verbose_name = "取込・出力"
