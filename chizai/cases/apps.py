from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chizai.cases"
    label = "cases"
    verbose_name = "ハンズオン支援"

    def ready(self) -> None:
        from chizai.cases.counting import RULES
        from chizai.cases.demo import load_cases_demo
        from chizai.kpis.counting_rules import register_rule
        from chizai.kpis.demo import register_demo

        # The plan loader (kpis) checks a KPI's counting_rule: against these names without importing cases.
        for rule in RULES.values():
            register_rule(rule.name, rule.label, is_ratio=rule.is_ratio)
        register_demo("cases", load_cases_demo, order=10)
