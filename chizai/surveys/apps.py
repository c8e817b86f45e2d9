from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "chizai.surveys"
    label = "surveys"
    verbose_name = "アンケート・フォローアップ調査"

    def ready(self) -> None:
        from chizai.kpis.demo import register_demo
        from chizai.surveys.demo import load_surveys_demo

        register_demo("surveys", load_surveys_demo, order=40)
