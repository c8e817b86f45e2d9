from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "chizai.surveys"
    label = "surveys"
    verbose_name = "アンケート・フォローアップ調査"

    def ready(self) -> None:
        from chizai.cases.counting import register_counting_rule
        from chizai.cases.hooks import on_follow_up
        from chizai.kpis.demo import register_demo
        from chizai.surveys.counting import SURVEY_RULES
        from chizai.surveys.demo import load_surveys_demo
        from chizai.surveys.followup import case_reached_follow_up

        register_demo("surveys", load_surveys_demo, order=40)
        # KPIs counted from survey answers are recomputed with those counted from cases.
        for rule in SURVEY_RULES:
            register_counting_rule(rule)
        on_follow_up(case_reached_follow_up)
