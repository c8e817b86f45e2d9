"""The agenda of a liaison meeting (議題), computed from the plan data — never typed in.

Four items, as the plan asks the meeting to share them (plan III.2–3):
(a) the block's regional KPI status: items met / total per prefecture and for the block;
(b) KPI revisions proposed by the block's bodies, to be reported at the meeting;
(c) advanced practices (先進的な取組) written in the block's self-evaluations;
(d) each prefecture's latest improvement actions (今後の取組・改善策).
A meeting held in the first half of its fiscal year also looks at the year before, whose results are
then complete. Every item costs a fixed number of queries, whatever the number of KPIs.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from chizai.kpis import achievement
from chizai.kpis.achievement import ItemsMet, Status
from chizai.kpis.models import Kpi, KpiKind, KpiRevision
from chizai.lib.fiscal import Half, half_end
from chizai.meetings.actions import block_filter, reportable_revisions
from chizai.meetings.models import LiaisonMeeting
from chizai.organizations.models import Organization, OrganizationKind
from chizai.pdca import models as pdca


@dataclass(frozen=True)
class Tally:
    """Regional KPI items of one prefecture (or the block) for one year, by status."""

    items: ItemsMet
    not_achieved: int = 0
    in_progress: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.items + other.items, self.not_achieved + other.not_achieved, self.in_progress + other.in_progress
        )


EMPTY = Tally(ItemsMet(0, 0))


@dataclass(frozen=True)
class YearStatus:
    """(a) The block's regional KPI status for one fiscal year."""

    fiscal_year: int
    prefectures: list[tuple[Organization, Tally]]
    block: Tally


@dataclass(frozen=True)
class ImprovementAction:
    """(d) A prefecture's latest shared self-evaluation and its 今後の取組・改善策 (None: none shared yet)."""

    prefecture: Organization
    evaluation: pdca.SelfEvaluation | None


@dataclass(frozen=True)
class Agenda:
    meeting: LiaisonMeeting
    today: datetime.date
    fiscal_years: list[int]
    kpi_status: list[YearStatus]
    pending_revisions: list[KpiRevision]
    advanced_practices: list[pdca.SelfEvaluation]
    improvements: list[ImprovementAction]


def agenda_years(meeting: LiaisonMeeting) -> list[int]:
    """The meeting's fiscal year, preceded by the year before when held in the first half (上期)."""
    years = [meeting.fiscal_year]
    previous = meeting.fiscal_year - 1
    early = meeting.held_on <= half_end(meeting.fiscal_year, Half.FIRST)
    if early and previous >= meeting.plan.first_fiscal_year:
        years.insert(0, previous)
    return years


def block_prefectures(meeting: LiaisonMeeting) -> list[Organization]:
    return list(Organization.objects.prefectures().filter(bureau_id=meeting.bureau_id))


def _tally(results: list[achievement.PeriodResult | None]) -> Tally:
    statuses = Counter(r.status for r in results if r is not None and r.target is not None)
    return Tally(achievement.items_met(results), statuses[Status.NOT_ACHIEVED], statuses[Status.IN_PROGRESS])


def _prefecture_of(kpi: Kpi) -> int | None:
    owner = kpi.owner
    return owner.pk if owner.kind == OrganizationKind.PREFECTURE else owner.prefecture_id


def kpi_status(
    meeting: LiaisonMeeting, prefectures: list[Organization], years: list[int], today: datetime.date
) -> list[YearStatus]:
    """(a) Items met / total of the block's regional KPIs, per prefecture and for the block, per year."""
    kpis = list(
        Kpi.objects.filter(plan_id=meeting.plan_id, kind=KpiKind.REGIONAL)
        .filter(block_filter(meeting, "owner"))
        .with_values()
    )
    computed = {kpi.pk: achievement.results(kpi, today) for kpi in kpis}
    statuses = []
    for year in years:
        by_prefecture: dict[int | None, list[achievement.PeriodResult | None]] = {}
        for kpi in kpis:
            result = achievement.result_for_year(kpi, year, today, computed[kpi.pk])
            by_prefecture.setdefault(_prefecture_of(kpi), []).append(result)
        rows = [(p, _tally(by_prefecture.get(p.pk, []))) for p in prefectures]
        block = sum((_tally(results) for results in by_prefecture.values()), EMPTY)
        statuses.append(YearStatus(fiscal_year=year, prefectures=rows, block=block))
    return statuses


def _shared_evaluations(meeting: LiaisonMeeting) -> pdca.SelfEvaluationQuerySet:
    return (
        pdca.SelfEvaluation.objects.filter(period__plan_id=meeting.plan_id)
        .filter(block_filter(meeting, "organization"))
        .exclude(status=pdca.Status.DRAFT)
        .select_related("period", "organization")
    )


def advanced_practices(meeting: LiaisonMeeting, years: list[int]) -> list[pdca.SelfEvaluation]:
    """(c) Advanced practices from the block's self-evaluations of the agenda's years (not drafts)."""
    return list(
        _shared_evaluations(meeting)
        .filter(period__fiscal_year__in=years)
        .exclude(advanced_practice="")
        .order_by("period__fiscal_year", "period__half", "organization__sort_order", "organization__jis_code")
    )


def improvement_actions(meeting: LiaisonMeeting, prefectures: list[Organization]) -> list[ImprovementAction]:
    """(d) Each prefecture's latest shared self-evaluation up to the meeting's year, for its 改善策."""
    evaluations = _shared_evaluations(meeting).filter(
        organization__kind=OrganizationKind.PREFECTURE, period__fiscal_year__lte=meeting.fiscal_year
    )
    latest: dict[int, pdca.SelfEvaluation] = {}
    for evaluation in evaluations.order_by("-period__fiscal_year", "-period__half"):
        latest.setdefault(evaluation.organization_id, evaluation)
    return [ImprovementAction(prefecture=p, evaluation=latest.get(p.pk)) for p in prefectures]


def build_agenda(meeting: LiaisonMeeting, today: datetime.date) -> Agenda:
    """The meeting's agenda as the data stands on `today`."""
    years = agenda_years(meeting)
    prefectures = block_prefectures(meeting)
    return Agenda(
        meeting=meeting,
        today=today,
        fiscal_years=years,
        kpi_status=kpi_status(meeting, prefectures, years, today),
        pending_revisions=list(reportable_revisions(meeting)),
        advanced_practices=advanced_practices(meeting, years),
        improvements=improvement_actions(meeting, prefectures),
    )
