from django.apps import AppConfig


class PdcaConfig(AppConfig):
    name = "chizai.pdca"
    label = "pdca"
    verbose_name = "PDCA（自己評価）"

    def ready(self) -> None:
        from chizai.kpis.locks import register_lock
        from chizai.pdca import actions, rules  # the self-evaluation's transition table, and its side effects
        from chizai.pdca.locks import accepted_evaluation_lock

        register_lock(accepted_evaluation_lock)
        assert rules.EVALUATION_WORKFLOW and actions.__name__
