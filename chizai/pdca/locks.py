"""Which accepted self-evaluation, if any, locks a KPI figure (受理済みの値の確定)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chizai.lib.fiscal import Half

if TYPE_CHECKING:
    from chizai.kpis.models import Kpi
    from chizai.pdca.models import SelfEvaluation


def period_of_actual(start_year: int, end_year: int, half: str) -> tuple[int, str]:
    """The half year whose self-evaluation reports this figure: 上期 figures in 上期, all else at year end."""
    if half == Half.FIRST and start_year == end_year:
        return start_year, Half.FIRST
    return end_year, Half.SECOND


def locking_evaluation(kpi: Kpi, *, start_year: int, end_year: int, half: str) -> SelfEvaluation | None:
    """The accepted self-evaluation of the KPI's owner that covers this figure, if there is one."""
    from chizai.pdca.models import SelfEvaluation, Status

    fiscal_year, period_half = period_of_actual(start_year, end_year, half)
    return (
        SelfEvaluation.objects.filter(
            organization_id=kpi.owner_id,
            period__plan_id=kpi.plan_id,
            period__fiscal_year=fiscal_year,
            period__half=period_half,
            status=Status.ACCEPTED,
        )
        .select_related("period")
        .first()
    )


def accepted_evaluation_lock(kpi: Kpi, start_year: int, end_year: int, half: str) -> str | None:
    """The lock rule the PDCA app registers with the KPI writers (chizai.kpis.locks)."""
    evaluation = locking_evaluation(kpi, start_year=start_year, end_year=end_year, half=half)
    return None if evaluation is None else _locked_message(evaluation)


def accepted_evaluation_locks(figures: Sequence[tuple[Kpi, int, int, str]]) -> list[str | None]:
    """`accepted_evaluation_lock` for many figures with one query (imports, plan files, demo data)."""
    from chizai.pdca.models import SelfEvaluation, Status

    accepted = SelfEvaluation.objects.filter(
        organization_id__in={figure[0].owner_id for figure in figures},
        period__plan_id__in={figure[0].plan_id for figure in figures},
        period__fiscal_year__in={figure[2] for figure in figures},  # a figure's period ends in its end year
        status=Status.ACCEPTED,
    ).select_related("period")
    by_key = {(e.organization_id, e.period.plan_id, e.period.fiscal_year, e.period.half): e for e in accepted}
    if not by_key:
        return [None] * len(figures)  # nothing accepted in those years: nothing locked (an import's usual case)
    periods = [period_of_actual(start, end, half) for _, start, end, half in figures]
    reasons: list[str | None] = []
    for (kpi, *_), (year, half) in zip(figures, periods, strict=True):
        evaluation = by_key.get((kpi.owner_id, kpi.plan_id, year, half))
        reasons.append(None if evaluation is None else _locked_message(evaluation))
    return reasons


def _locked_message(evaluation: SelfEvaluation) -> str:
    return (
        f"この値は特許庁が受理した自己評価（{evaluation.period.short_label}）で確定しています。"
        "変更するには、特許庁に自己評価の再開を依頼してください。"
    )
