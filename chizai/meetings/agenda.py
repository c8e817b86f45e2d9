"""The agenda of a liaison meeting (議題), computed from the plan data — never typed in.

Four items, as the plan asks the meeting to share them (plan III.2–3):
(a) the block's regional KPI status: items met / total per prefecture and for the block;
(b) KPI revisions proposed by the block's bodies, to be reported at the meeting;
(c) advanced practices (先進的な取組) written in the block's self-evaluations;
(d) each prefecture's latest improvement actions (今後の取組・改善策).
A meeting held in the first half of its fiscal year also looks at the year before, whose results are
then complete. Every item costs a fixed number of queries, whatever the number of KPIs.

The page shows an `AgendaRecord`: the agenda as plain values, either built now from the data (a meeting to
come, or one whose minutes are not recorded yet) or kept as it stood on the meeting's date (a held meeting,
`chizai.meetings.models.AgendaSnapshot`).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from chizai.kpis import achievement, figures
from chizai.kpis.achievement import ItemsMet, Status
from chizai.kpis.models import Kpi, KpiKind, KpiRevision, RevisionStatus
from chizai.lib.fiscal import Half, half_end
from chizai.lib.numbers import ratio_percent
from chizai.meetings.models import LiaisonMeeting
from chizai.organizations.models import Organization, OrganizationKind
from chizai.pdca import models as pdca


def block_filter(meeting: LiaisonMeeting, field: str) -> Q:
    """The bodies of the meeting's block (the bureau and every body placed in its block), through `field`."""
    return Q(**{f"{field}__bureau_id": meeting.bureau_id}) | Q(**{f"{field}_id": meeting.bureau_id})


def _revisions_of_block(meeting: LiaisonMeeting) -> QuerySet[KpiRevision]:
    return (
        KpiRevision.objects.filter(kpi__plan_id=meeting.plan_id, kpi__owner__bureau_id=meeting.bureau_id)
        .select_related("kpi", "kpi__owner")
        .order_by("kpi__owner__sort_order", "kpi__owner__jis_code", "kpi__sort_order", "effective_year", "pk")
    )


def reportable_revisions(meeting: LiaisonMeeting) -> QuerySet[KpiRevision]:
    """Proposed revisions of the KPIs of the block's bodies in the meeting's plan, to be reported at this meeting."""
    return _revisions_of_block(meeting).filter(status=RevisionStatus.PROPOSED)


def discussed_revisions(meeting: LiaisonMeeting) -> QuerySet[KpiRevision]:
    """What the meeting had on its agenda: the revisions still proposed and those reported at this meeting."""
    return _revisions_of_block(meeting).filter(Q(status=RevisionStatus.PROPOSED) | Q(meeting_id=meeting.pk))


def linkable_evaluations(meeting: LiaisonMeeting) -> pdca.SelfEvaluationQuerySet:
    """The block's self-evaluations in the meeting's plan that were shared (submitted or later)."""
    return _shared_evaluations(meeting).order_by(
        "-period__fiscal_year", "-period__half", "organization__sort_order", "organization__jis_code"
    )


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
    """(a) Items met / total of the block's regional KPIs, per prefecture and for the block, per year, read from the
    stored figures (`chizai.kpis.figures`)."""
    kpis = list(
        Kpi.objects.filter(plan_id=meeting.plan_id, kind=KpiKind.REGIONAL)
        .filter(block_filter(meeting, "owner"))
        .select_related("owner")
    )
    stored = figures.load(kpis, years=years, first_halves=False)
    statuses = []
    for year in years:
        by_prefecture: dict[int | None, list[achievement.PeriodResult | None]] = {}
        for kpi in kpis:
            result = stored.for_year(kpi, year, today)
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


def build_agenda(meeting: LiaisonMeeting, today: datetime.date, *, as_held: bool = False) -> Agenda:
    """The meeting's agenda as the data stands on `today`.

    `as_held`: the agenda the meeting discussed, i.e. with the revisions it has since reported among those to
    report (they were on its agenda).
    """
    years = agenda_years(meeting)
    prefectures = block_prefectures(meeting)
    revisions = discussed_revisions(meeting) if as_held else reportable_revisions(meeting)
    return Agenda(
        meeting=meeting,
        today=today,
        fiscal_years=years,
        kpi_status=kpi_status(meeting, prefectures, years, today),
        pending_revisions=list(revisions),
        advanced_practices=advanced_practices(meeting, years),
        improvements=improvement_actions(meeting, prefectures),
    )


# --- the agenda as the page shows it, and as a held meeting keeps it ---------------------------------------


@dataclass(frozen=True)
class OrganizationRow:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class TallyRow:
    total: int
    met: int
    not_achieved: int
    in_progress: int

    @property
    def rate(self) -> Decimal | None:
        return ratio_percent(self.met, self.total, 1)


@dataclass(frozen=True)
class YearRow:
    fiscal_year: int
    prefectures: list[tuple[OrganizationRow, TallyRow]]
    block: TallyRow


@dataclass(frozen=True)
class RevisionRow:
    pk: int
    owner: OrganizationRow
    kpi_name: str
    effective_year: int
    new_name: str
    vision_change: str


@dataclass(frozen=True)
class PracticeRow:
    evaluation_pk: int
    organization: OrganizationRow
    period_label: str
    text: str


@dataclass(frozen=True)
class ImprovementRow:
    prefecture: OrganizationRow
    evaluation_pk: int | None
    period_label: str
    status_label: str
    text: str


@dataclass(frozen=True)
class AgendaRecord:
    """The four items of an agenda as values; `as_of` is the day the data stood as shown."""

    as_of: datetime.date
    fiscal_years: list[int]
    kpi_status: list[YearRow]
    pending_revisions: list[RevisionRow]
    advanced_practices: list[PracticeRow]
    improvements: list[ImprovementRow]

    def organization_pks(self) -> set[int]:
        rows = [p for year in self.kpi_status for p, _ in year.prefectures]
        rows += [r.owner for r in self.pending_revisions] + [p.organization for p in self.advanced_practices]
        rows += [i.prefecture for i in self.improvements]
        return {row.pk for row in rows}


def _organization(organization: Any) -> OrganizationRow:
    return OrganizationRow(pk=organization.pk, code=organization.code, name=organization.display_name)


def _tally_row(tally: Tally) -> TallyRow:
    return TallyRow(tally.items.total, tally.items.met, tally.not_achieved, tally.in_progress)


def _improvement_row(item: ImprovementAction) -> ImprovementRow:
    evaluation = item.evaluation
    if evaluation is None:
        return ImprovementRow(_organization(item.prefecture), None, "", "", "")
    return ImprovementRow(
        prefecture=_organization(item.prefecture),
        evaluation_pk=evaluation.pk,
        period_label=evaluation.period.short_label,
        status_label=evaluation.status_label,
        text=evaluation.improvements,
    )


def record_of(agenda: Agenda) -> AgendaRecord:
    """The agenda as values, as the page shows it and a held meeting keeps it."""
    return AgendaRecord(
        as_of=agenda.today,
        fiscal_years=list(agenda.fiscal_years),
        kpi_status=[
            YearRow(
                fiscal_year=year.fiscal_year,
                prefectures=[(_organization(p), _tally_row(t)) for p, t in year.prefectures],
                block=_tally_row(year.block),
            )
            for year in agenda.kpi_status
        ],
        pending_revisions=[
            RevisionRow(
                pk=r.pk,
                owner=_organization(r.kpi.owner),
                kpi_name=r.kpi.short_name,
                effective_year=r.effective_year,
                new_name=r.new_name,
                vision_change=r.vision_change,
            )
            for r in agenda.pending_revisions
        ],
        advanced_practices=[
            PracticeRow(e.pk, _organization(e.organization), e.period.short_label, e.advanced_practice)
            for e in agenda.advanced_practices
        ],
        improvements=[_improvement_row(item) for item in agenda.improvements],
    )


def record_to_json(record: AgendaRecord) -> dict[str, Any]:
    data = asdict(record)
    data["as_of"] = record.as_of.isoformat()
    return data


def record_from_json(data: dict[str, Any]) -> AgendaRecord:
    def organization(row: dict[str, Any]) -> OrganizationRow:
        return OrganizationRow(**row)

    return AgendaRecord(
        as_of=datetime.date.fromisoformat(data["as_of"]),
        fiscal_years=list(data["fiscal_years"]),
        kpi_status=[
            YearRow(
                fiscal_year=year["fiscal_year"],
                prefectures=[(organization(p), TallyRow(**t)) for p, t in year["prefectures"]],
                block=TallyRow(**year["block"]),
            )
            for year in data["kpi_status"]
        ],
        pending_revisions=[
            RevisionRow(**{**row, "owner": organization(row["owner"])}) for row in data["pending_revisions"]
        ],
        advanced_practices=[
            PracticeRow(**{**row, "organization": organization(row["organization"])})
            for row in data["advanced_practices"]
        ],
        improvements=[
            ImprovementRow(**{**row, "prefecture": organization(row["prefecture"])}) for row in data["improvements"]
        ],
    )
