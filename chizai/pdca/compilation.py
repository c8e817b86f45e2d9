"""Compilation (取りまとめ) of a half year's self-evaluations, and the end-of-plan evaluation (計画期間終了時の評価).

Both are read-only views over the KPI data and the self-evaluations, loaded in a fixed number of queries
whatever the number of bodies, KPIs or evaluations: each KPI's results are computed once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, prefetch_related_objects

from chizai.kpis import figures
from chizai.kpis.achievement import ItemsMet, PeriodResult
from chizai.kpis.models import Evaluation, Kpi, KpiKind, Plan
from chizai.lib.fiscal import Half
from chizai.lib.numbers import format_number, format_percent
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import sees_everything
from chizai.organizations.types import AnyUser
from chizai.pdca.forms import TEXT_FIELDS
from chizai.pdca.models import RatingScale, ReportingPeriod, SelfEvaluation, Status
from chizai.pdca.rules import reviewed_bureaus
from chizai.pdca.table import KpiRow, evaluation_rows, load_year_actuals, stored_half_results

NOT_STARTED = "none"
"""The status key of a body that has not started its self-evaluation (未着手)."""

STATUS_COLUMNS: tuple[tuple[str, str], ...] = (
    (NOT_STARTED, "未着手"),
    (Status.DRAFT, "作成中"),
    (Status.SUBMITTED, "提出済み"),
    (Status.REVIEWED, "局確認済み"),
    (Status.RETURNED, "差戻し"),
    (Status.REOPENED, "再開"),
    (Status.ACCEPTED, "受理"),
)
"""Short labels for the columns of the status count tables, in workflow order."""

NOT_YET_SUBMITTED = (NOT_STARTED, Status.DRAFT, Status.RETURNED)

TEXT_LABELS = tuple(SelfEvaluation.field_label(name) for name in TEXT_FIELDS)
"""The Japanese headings of the evaluation texts shown in the compilation."""


def items_met_text(items: ItemsMet) -> str:
    """「N件の項目のうち M件達成（x%）」, the plan's way of stating regional KPI achievement; "—" without items."""
    if not items.total:
        return "—"
    rate = format_percent(items.rate, 1)
    return f"{format_number(items.total)}件の項目のうち {format_number(items.met)}件達成（{rate}）"


def _sum(items: Iterable[ItemsMet]) -> ItemsMet:
    return sum(items, ItemsMet(0, 0))


# ---------------------------------------------------------------------------------------------------------
# Compilation of one half year
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompilationScope:
    """The bodies a user compiles: the nation (JPO) or the blocks of the bureaus the user reviews for."""

    national: bool
    bureaus: tuple[Organization, ...]

    @property
    def title(self) -> str:
        if self.national:
            return "全国"
        return "・".join(f"{bureau.block_name}ブロック" for bureau in self.bureaus)


def compilation_scope(user: AnyUser) -> CompilationScope:
    """JPO members see the nation; a bureau's reviewers and administrators their block; anyone else is refused."""
    if sees_everything(user):
        return CompilationScope(True, tuple(Organization.objects.bureaus()))
    bureaus = sorted(reviewed_bureaus(user), key=lambda bureau: bureau.sort_order)
    if not bureaus:
        raise PermissionDenied("取りまとめを閲覧できるのは、経済産業局等の審査者・管理者と特許庁の職員です。")
    return CompilationScope(False, tuple(bureaus))


@dataclass(frozen=True)
class BodyEntry:
    """One required body in the compilation: its evaluation's state and, when the user may read it, its content."""

    organization: Organization
    evaluation: SelfEvaluation | None
    visible: bool
    rows: list[KpiRow]
    overdue: bool

    @property
    def status(self) -> str:
        return self.evaluation.status if self.evaluation else NOT_STARTED

    @property
    def status_label(self) -> str:
        return self.evaluation.status_label if self.evaluation else "未着手"

    @property
    def texts(self) -> list[tuple[str, str]]:
        """(heading, text) of each of the evaluation's texts, when the user may read them."""
        if self.evaluation is None or not self.visible:
            return []
        return [(label, getattr(self.evaluation, name)) for name, label in zip(TEXT_FIELDS, TEXT_LABELS, strict=True)]


def _status_counts(bodies: Iterable[BodyEntry]) -> list[int]:
    counts: dict[str, int] = defaultdict(int)
    for body in bodies:
        counts[body.status] += 1
    return [counts[key] for key, _label in STATUS_COLUMNS]


CENTRAL = "central"
"""The key of the central bodies' section (JPO, INPIT)."""


@dataclass(frozen=True)
class Section:
    """A regional block (or the central bodies) in the compilation, with its totals."""

    title: str
    bureau: Organization | None
    bodies: list[BodyEntry]
    items: ItemsMet
    detailed: bool = True
    """Whether its bodies' KPI tables and texts were read (the national page shows one section at a time)."""

    @property
    def key(self) -> str:
        """The section's name in the national page's ?section= ("central" or the bureau's code)."""
        return self.bureau.code if self.bureau else CENTRAL

    @property
    def items_text(self) -> str:
        return items_met_text(self.items)

    @property
    def status_counts(self) -> list[int]:
        return _status_counts(self.bodies)


@dataclass(frozen=True)
class Compilation:
    period: ReportingPeriod
    scope: CompilationScope
    sections: list[Section]

    @property
    def title(self) -> str:
        return self.scope.title

    @property
    def items(self) -> ItemsMet:
        return _sum(section.items for section in self.sections)

    @property
    def items_text(self) -> str:
        return items_met_text(self.items)

    @property
    def status_counts(self) -> list[int]:
        return _status_counts(body for section in self.sections for body in section.bodies)

    @property
    def body_count(self) -> int:
        return sum(len(section.bodies) for section in self.sections)

    @property
    def one_section(self) -> bool:
        """Whether only one section's bodies are shown in detail (the national page, a block at a time)."""
        return any(not section.detailed for section in self.sections)


def _required_bodies(scope: CompilationScope) -> list[Organization]:
    """Every prefecture and INPIT window of the blocks; for the nation also the central bodies (JPO, INPIT)."""
    regional = Organization.objects.filter(
        kind__in=[OrganizationKind.PREFECTURE, OrganizationKind.INPIT_WINDOW], bureau__in=scope.bureaus
    )
    central = Organization.objects.filter(kind__in=[OrganizationKind.JPO, OrganizationKind.INPIT])
    bodies = list((regional | central) if scope.national else regional)
    return sorted(bodies, key=lambda o: (o.kind != OrganizationKind.PREFECTURE, o.sort_order, o.code))


def _kpis_by_owner(user: AnyUser, period: ReportingPeriod, owner_ids: list[int]) -> dict[int, list[Kpi]]:
    kpis = Kpi.objects.visible_to(user).filter(plan_id=period.plan_id, owner_id__in=owner_ids)
    grouped: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in kpis.order_by("sort_order", "pk"):
        grouped[kpi.owner_id].append(kpi)
    return grouped


def _load_changed_figures(evaluations: dict[int, SelfEvaluation], kpis: dict[int, list[Kpi]], year: int) -> None:
    """The actuals of the year, for the KPIs of evaluations JPO accepted once (their 受理後に変更 check), in one
    query; the figures of every other KPI come from the stored figures alone."""
    accepted = [
        kpi
        for organization_id, evaluation in evaluations.items()
        if evaluation.accepted_at is not None or evaluation.snapshot_values.all()
        for kpi in kpis[organization_id]
    ]
    load_year_actuals(accepted, year)


def _entry(
    organization: Organization,
    evaluation: SelfEvaluation | None,
    visible: bool,
    kpis: list[Kpi],
    period: ReportingPeriod,
    today: datetime.date,
    scale: RatingScale,
    stored: figures.Figures,
) -> BodyEntry:
    rows = []
    if evaluation is not None and visible:
        results = stored_half_results(kpis, period.fiscal_year, period.half, today, stored)
        rows = evaluation_rows(evaluation, today, kpis=kpis, scale=scale, results=results)
    status = evaluation.status if evaluation else NOT_STARTED
    overdue = today > period.due_date and status in NOT_YET_SUBMITTED
    return BodyEntry(organization, evaluation, visible, rows, overdue)


def _regional_items(
    user: AnyUser, period: ReportingPeriod, owner_ids: list[int], today: datetime.date
) -> dict[int, ItemsMet]:
    """Each body's regional KPI items met in the year, counted from the stored figures (a 上期 row carries the
    year's status, so the year's result counts the same)."""
    regional = Kpi.objects.visible_to(user).filter(
        plan_id=period.plan_id, owner_id__in=owner_ids, kind=KpiKind.REGIONAL
    )
    _count, items = figures.items_by(regional, "owner_id", [period.fiscal_year], today)
    return {owner_id: counted for (owner_id, _year), counted in items.items()}


def _load_evaluations(
    user: AnyUser, period: ReportingPeriod, owner_ids: list[int], detailed: set[int]
) -> tuple[dict[int, Any], set[int]]:
    """The period's evaluations by organisation (with their ratings and snapshots for the `detailed` bodies), and
    the ids of those the user may read."""
    evaluations = {
        e.organization_id: e
        for e in SelfEvaluation.objects.filter(period=period, organization_id__in=owner_ids).select_related(
            "period", "organization"
        )
    }
    prefetch_related_objects([e for o, e in evaluations.items() if o in detailed], "ratings", "snapshot_values")
    visible = SelfEvaluation.objects.visible_to(user).filter(period=period, organization_id__in=owner_ids)
    return evaluations, set(visible.values_list("pk", flat=True))


def _section_of(organization: Organization) -> int | None:
    return None if organization.is_central else organization.bureau_id


def _shown_section(scope: CompilationScope, section: str | None) -> Callable[[int | None], bool]:
    """Whether a section (a bureau id; None: the central bodies) is shown in detail: on the nation's page with a
    `section`, that one only (an unknown one: the central bodies); else every section."""
    if section is None or not scope.national:
        return lambda key: True
    chosen = next((bureau.pk for bureau in scope.bureaus if bureau.code == section), None)
    return lambda key: key == chosen


def _block_title(bureau: Organization) -> str:
    return f"{bureau.block_name}ブロック（{bureau.display_name}）"


def compile_period(
    period: ReportingPeriod,
    user: AnyUser,
    today: datetime.date,
    *,
    section: str | None = None,
    scope: CompilationScope | None = None,
) -> Compilation:
    """The compilation of a half year for the user's scope: each required body's state, and the KPI table
    and texts of the evaluations the user may read (others' drafts show only 「作成中」).

    `section` ("central" or a bureau's code) reads the KPI tables and texts of that section only, the nation's
    page showing one block at a time (every section's state and items met are still counted); without it every
    section is read (a block's page, the Word, PDF and Excel documents). `scope` is the user's
    (`compilation_scope`), when the caller has asked already."""
    scope = scope or compilation_scope(user)
    bodies = _required_bodies(scope)
    shown = _shown_section(scope, section)
    detailed = {body.pk for body in bodies if shown(_section_of(body))}
    ids = [body.pk for body in bodies]
    evaluations, visible_ids = _load_evaluations(user, period, ids, detailed)
    # Only the KPI tables shown are loaded; the items met of every body are counted by the database.
    readable = {o: e for o, e in evaluations.items() if e.pk in visible_ids and o in detailed}
    kpis = _kpis_by_owner(user, period, list(readable))
    shown_kpis = [kpi for owned in kpis.values() for kpi in owned]
    stored = figures.load(shown_kpis, year=period.fiscal_year, first_halves=period.half == Half.FIRST)
    counted = _regional_items(user, period, ids, today)
    _load_changed_figures(readable, kpis, period.fiscal_year)
    scale = RatingScale.current()
    by_section: dict[int | None, list[BodyEntry]] = defaultdict(list)
    items: dict[int | None, ItemsMet] = defaultdict(lambda: ItemsMet(0, 0))
    for organization in bodies:
        evaluation = evaluations.get(organization.pk)
        visible = evaluation is not None and evaluation.pk in visible_ids
        owned = kpis[organization.pk] if organization.pk in detailed else []
        entry = _entry(
            organization, evaluation, visible and organization.pk in detailed, owned, period, today, scale, stored
        )
        by_section[_section_of(organization)].append(entry)
        items[_section_of(organization)] += counted.get(organization.pk, ItemsMet(0, 0))
    sections = [
        Section(_block_title(bureau), bureau, by_section[bureau.pk], items[bureau.pk], shown(bureau.pk))
        for bureau in scope.bureaus
    ]
    if scope.national:
        central = Section("中央（特許庁・INPIT）", None, by_section[None], items[None], shown(None))
        sections.insert(0, central)
    return Compilation(period, scope, sections)


# ---------------------------------------------------------------------------------------------------------
# The end-of-plan evaluation
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiResults:
    """A KPI with its result for every target period, and its written evaluations (評価・所見)."""

    kpi: Kpi
    results: list[PeriodResult]
    evaluations: list[Evaluation]


@dataclass(frozen=True)
class RegionalLine:
    """Regional KPI items met for one group (the nation, a block) in each fiscal year and over the plan."""

    label: str
    by_year: list[ItemsMet]

    @property
    def total(self) -> ItemsMet:
        return _sum(self.by_year)

    @property
    def cells(self) -> list[str]:
        return [items_met_text(items) for items in [*self.by_year, self.total]]


@dataclass(frozen=True)
class AcceptedCount:
    period: ReportingPeriod
    accepted: int


@dataclass(frozen=True)
class FinalEvaluation:
    plan: Plan
    central: list[KpiResults]
    regional_count: int
    national: RegionalLine
    blocks: list[RegionalLine]
    accepted: list[AcceptedCount]


def _regional_lines(
    kpis: QuerySet[Kpi], years: list[int], today: datetime.date, national_label: str
) -> tuple[int, RegionalLine, list[RegionalLine]]:
    """How many regional KPIs, the nation's (or the visible scope's) line, and one line per block in bureau
    order, counted from the stored figures."""
    items = figures.regional_items(kpis, years, today)
    national = RegionalLine(national_label, [items.national(year) for year in years])
    blocks = [RegionalLine(b.block_name if b else "—", [items.of(b, year) for year in years]) for b in items.blocks]
    return items.count, national, blocks


def _accepted_counts(user: AnyUser, plan: Plan) -> list[AcceptedCount]:
    counts = dict(
        SelfEvaluation.objects.visible_to(user)
        .filter(period__plan=plan, status=Status.ACCEPTED)
        .order_by()
        .values_list("period_id")
        .annotate(count=Count("pk"))
    )
    return [AcceptedCount(p, counts.get(p.pk, 0)) for p in ReportingPeriod.objects.filter(plan=plan)]


def end_of_plan_evaluation(plan: Plan, user: AnyUser, today: datetime.date) -> FinalEvaluation:
    """The end-of-plan evaluation for the KPIs the user may see: central KPIs period by period, regional KPI
    items met nationally and per block, and the self-evaluations accepted each half year."""
    visible = Kpi.objects.for_plan(plan).visible_to(user)
    kpis = list(
        visible.exclude(kind=KpiKind.REGIONAL)
        .select_related("plan", "owner", "owner__bureau")
        .prefetch_related("evaluations", "revisions")
        .order_by("sort_order", "pk")
    )
    stored = figures.load(kpis)
    central = [
        KpiResults(kpi, stored.results(kpi, today), sorted(kpi.evaluations.all(), key=_evaluation_order))
        for kpi in kpis
    ]
    label = "全国" if sees_everything(user) else "閲覧できる範囲の合計"
    count, national, blocks = _regional_lines(visible.filter(kind=KpiKind.REGIONAL), plan.fiscal_years, today, label)
    return FinalEvaluation(plan, central, count, national, blocks, _accepted_counts(user, plan))


def _evaluation_order(evaluation: Evaluation) -> tuple[int, int, str]:
    return (evaluation.end_year, evaluation.start_year, evaluation.half)
