from django.apps import AppConfig


class PdcaConfig(AppConfig):
    name = "chizai.pdca"
    label = "pdca"
    verbose_name = "PDCA（自己評価）"

    def ready(self) -> None:
        from chizai.kpis.demo import register_demo
        from chizai.kpis.locks import register_lock
        from chizai.pdca import rules  # registers the self-evaluation's transition table with chizai.workflow
        from chizai.pdca.demo import load_pdca_demo
        from chizai.pdca.locks import accepted_evaluation_lock, accepted_evaluation_locks

        register_lock(accepted_evaluation_lock, bulk=accepted_evaluation_locks)
        assert rules.EVALUATION_WORKFLOW
        # The self-evaluations come after the cases: accepting one snapshots and locks the actuals.
        register_demo("pdca", load_pdca_demo, order=20)
