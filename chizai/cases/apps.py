from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chizai.cases"
    label = "cases"
    verbose_name = "ハンズオン支援"

    def ready(self) -> None:
        from chizai.cases.demo import load_cases_demo
        from chizai.kpis.demo import register_demo

        register_demo("cases", load_cases_demo, order=10)
