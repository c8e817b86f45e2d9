"""KPIs counted from hands-on support cases (ハンズオン支援案件からの集計).

A KPI whose `counting_rule` names a rule of `RULES` gets its whole-year actual (通期) from the cases,
never typed in: `recompute_kpi` writes it with the source "computed" through `save_actual`, which audits
the change and enforces the subset rule (内数 ≤ 元の指標) and the PDCA lock. CORE calls
`recompute_for_case` after every change to a case that can move a count; `chizai recompute_kpis`
recomputes a whole plan.

Demo cases (`is_demo`) count like any other: the demo database holds nothing but synthetic data, and a
real database never holds demo cases, so real figures never mix with demo ones.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When

from chizai.cases.models import Origin, Stage, SupportCase
from chizai.kpis.counting_rules import register_rule
from chizai.kpis.models import COUNTED_SOURCES, Actual, ActualSource, HalfChoice, Kpi, Plan
from chizai.lib.fiscal import fiscal_year_end, fiscal_year_of, fiscal_year_start
from chizai.organizations.types import Actor, AnyUser

logger = logging.getLogger(__name__)

# The outcome the effect indicator asks for: IP placed in the management strategy, and acted on.
COUNTED_FOR_SHARE = Q(outcome_ip_in_strategy=True, outcome_acted_on=True)


@dataclass(frozen=True)
class ComputedFigure:
    """A figure counted from cases: a count (`value`) or a ratio (`numerator` / `denominator`)."""

    case_count: int
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def source_note(self) -> str:
        return f"ハンズオン支援案件 {self.case_count}件から集計"

    def actual_fields(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "source": ActualSource.COMPUTED,
            "source_note": self.source_note,
        }

    def matches(self, actual: Actual) -> bool:
        return all(getattr(actual, name) == value for name, value in self.actual_fields().items())


class CountingRule:
    """How a KPI is counted from cases. `cases` is the numerator population (the counted cases)."""

    name: ClassVar[str]
    label: ClassVar[str]
    is_ratio: ClassVar[bool] = False
    from_survey: ClassVar[bool] = False

    def cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        raise NotImplementedError

    def denominator_cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase] | None:
        """For ratios, the population the share is taken of; None for counts."""
        return None

    def population(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        """Every case behind the figure: the denominator of a ratio, the counted cases of a count."""
        denominator_cases = self.denominator_cases(kpi, fiscal_year)
        return self.cases(kpi, fiscal_year) if denominator_cases is None else denominator_cases

    def figure(self, kpi: Kpi, fiscal_year: int) -> ComputedFigure | None:
        """The figure for the year; None when there is nothing to take a share of."""
        counted = self.cases(kpi, fiscal_year).count()
        return ComputedFigure(counted, value=Decimal(counted))

    def drill_url(self, kpi: Kpi, fiscal_year: int) -> str | None:
        """Where the figure's drill-through lives when it is not the list of cases (a rule counting survey
        answers lists the answers); None for the cases' own page."""
        return None


class CasesStarted(CountingRule):
    """Cases whose support started in the fiscal year, whatever their stage now (closed ones too)."""

    name = "cases_started"
    label = "当該年度に支援を開始した案件数"

    def cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        return SupportCase.objects.filter(fiscal_year=fiscal_year)


class CasesStartedRegional(CasesStarted):
    """Of the cases started in the year, those discovered and referred by the region (地域掘り起こし型)."""

    name = "cases_started_regional"
    label = "当該年度に支援を開始した案件のうち、地域掘り起こし型の案件数"

    def cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        return super().cases(kpi, fiscal_year).filter(origin=Origin.REGIONAL)


class FollowedUpIpStrategyActedShare(CountingRule):
    """Among the cases followed up in the fiscal year, the share that placed IP in the management strategy
    and acted on it (the 3rd plan's effect indicator).

    A case is followed up in the year when its follow-up date falls in it, or, without a follow-up date,
    when it was closed in the year with both outcomes recorded. A followed-up case whose outcomes are not
    recorded yet counts in the denominator only: it has not shown the outcome.
    """

    name = "followed_up_ip_strategy_acted_share"
    label = "当該年度にフォローアップした案件のうち、知財を経営戦略に位置づけ実行に移した企業の割合"
    is_ratio = True

    def denominator_cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        year = (fiscal_year_start(fiscal_year), fiscal_year_end(fiscal_year))
        closed_with_outcomes = Q(
            followed_up_on__isnull=True,
            stage=Stage.CLOSED,
            closed_on__range=year,
            outcome_ip_in_strategy__isnull=False,
            outcome_acted_on__isnull=False,
        )
        return SupportCase.objects.filter(Q(followed_up_on__range=year) | closed_with_outcomes)

    def cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        return self.denominator_cases(kpi, fiscal_year).filter(COUNTED_FOR_SHARE)

    def figure(self, kpi: Kpi, fiscal_year: int) -> ComputedFigure | None:
        totals = self.denominator_cases(kpi, fiscal_year).aggregate(
            total=Count("pk"), counted=Count("pk", filter=COUNTED_FOR_SHARE)
        )
        if not totals["total"]:
            return None
        return ComputedFigure(
            totals["total"], numerator=Decimal(totals["counted"]), denominator=Decimal(totals["total"])
        )


RULES: dict[str, CountingRule] = {
    rule.name: rule for rule in (CasesStarted(), CasesStartedRegional(), FollowedUpIpStrategyActedShare())
}


def register_counting_rule(rule: CountingRule) -> None:
    """Add a rule counted from something built on the cases (survey answers, chizai.surveys.counting): recomputed
    with the others by `recompute_plan` and `chizai recompute_kpis`. Called from the owning app's ready()."""
    RULES[rule.name] = rule
    register_rule(rule.name, rule.label, is_ratio=rule.is_ratio, from_survey=rule.from_survey)


def rule_of(kpi: Kpi) -> CountingRule | None:
    return RULES.get(kpi.counting_rule) if kpi.counting_rule else None


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    LOCKED = "locked"
    REMOVED = "removed"
    NO_FIGURE = "no_figure"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {
            "written": "更新",
            "unchanged": "変更なし",
            "locked": "受理済みのため据え置き",
            "removed": "削除（対象の案件なし）",
            "no_figure": "対象の案件なし",
            "refused": "保存できず",
        }[self.value]


@dataclass(frozen=True)
class Recomputed:
    """What recomputing one KPI for one fiscal year did."""

    kpi: Kpi
    fiscal_year: int
    outcome: Outcome
    actual: Actual | None
    message: str = ""


@dataclass
class RecomputeSummary:
    plan: Plan
    results: list[Recomputed] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


def _has_begun(fiscal_year: int, today: datetime.date | None) -> bool:
    return fiscal_year <= fiscal_year_of(today or datetime.date.today())


def recompute_kpi(kpi: Kpi, fiscal_year: int, *, actor: Actor, today: datetime.date | None = None) -> Actual | None:
    """Count the KPI's whole-year actual from the cases and store it (source computed), audited.

    Returns the stored actual. A year that has not begun gets nothing (None), not even a 0. A figure locked
    by JPO's acceptance of the owner's self-evaluation (受理) keeps the value it had when accepted: the stored
    actual is left untouched and returned, as the accepted report stands until JPO reopens it. Raises
    ValidationError when the figure would break the subset rule against a figure typed in by hand.
    """
    if not _has_begun(fiscal_year, today):
        return None
    existing = Actual.objects.filter(kpi=kpi, start_year=fiscal_year, end_year=fiscal_year, half=HalfChoice.FULL)
    figure = _required_rule(kpi).figure(kpi, fiscal_year)
    result = _store(kpi, fiscal_year, figure, existing.first(), actor=actor)
    if result.outcome == Outcome.REFUSED:
        raise ValidationError(result.message)
    return result.actual


@transaction.atomic
def recompute_plan(plan: Plan, *, actor: Actor = None, today: datetime.date | None = None) -> RecomputeSummary:
    """Recompute every counted KPI of the plan for each of its fiscal years that has begun.

    Core indicators are written before their subsets (内数), except where a subset shrinks, so that no
    intermediate state breaks the subset rule. Unchanged figures cost no write and no audit entry.
    """
    summary = RecomputeSummary(plan)
    kpis = [k for k in Kpi.objects.filter(plan=plan).exclude(counting_rule="").select_related("parent") if rule_of(k)]
    years = [year for year in plan.fiscal_years if _has_begun(year, today)]
    if not kpis or not years:
        return summary
    stored = {
        (a.kpi_id, a.start_year): a
        for a in Actual.objects.filter(
            kpi__in=kpis, start_year__in=years, end_year=F("start_year"), half=HalfChoice.FULL
        )
    }
    for year in years:
        figures = {kpi.pk: _required_rule(kpi).figure(kpi, year) for kpi in kpis}
        existing = {kpi.pk: stored.get((kpi.pk, year)) for kpi in kpis}
        for kpi in _write_order(kpis, figures, existing):
            summary.results.append(_store(kpi, year, figures[kpi.pk], existing[kpi.pk], actor=actor))
    return summary


def recompute_for_case(case: SupportCase, *, actor: Actor, today: datetime.date | None = None) -> None:
    """Recompute the counted KPIs of every plan the case falls in, after a change to the case.

    All begun years of those plans are recomputed, not only the case's own: a case moved to another year or
    a corrected follow-up date must leave no stale figure behind. A figure the subset rule refuses (against
    a hand-typed parent) is logged rather than raised, so the change to the case itself still goes through.
    """
    years = [case.fiscal_year] + [fiscal_year_of(d) for d in (case.followed_up_on, case.closed_on) if d]
    plans = Plan.objects.filter(first_fiscal_year__lte=max(years), last_fiscal_year__gte=min(years))
    for plan in plans:
        if not any(plan.first_fiscal_year <= year <= plan.last_fiscal_year for year in years):
            continue
        for result in recompute_plan(plan, actor=actor, today=today).results:
            if result.outcome == Outcome.REFUSED:
                logger.warning("KPI %s %s: %s", result.kpi.pk, result.fiscal_year, result.message)


def cases_behind(kpi: Kpi, year: int, user: AnyUser) -> QuerySet[SupportCase]:
    """The cases behind the KPI's figure for the fiscal year (the drill-through), counted ones first.

    Each case carries `counted`: True when it is in the numerator (every case of a count). For a ratio the
    list is the denominator population. Nothing when the user may not see the KPI. Which details of each
    case the user may see is the page's business (`chizai.cases.access.case_access`).
    """
    rule = rule_of(kpi)
    if rule is None or not Kpi.objects.visible_to(user).filter(pk=kpi.pk).exists():
        return SupportCase.objects.none()
    counted = Q(COUNTED_FOR_SHARE) if rule.is_ratio else Q(pk__isnull=False)
    return (
        rule.population(kpi, year)
        .select_related("company", "company__prefecture", "referred_by", "support_team")
        .annotate(counted=Case(When(counted, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .order_by("-counted", "-opened_on", "-pk")
    )


def _required_rule(kpi: Kpi) -> CountingRule:
    rule = rule_of(kpi)
    if rule is None:
        raise ValueError(f"KPI {kpi.pk} has no known counting rule ({kpi.counting_rule!r})")
    return rule


def _write_order(
    kpis: list[Kpi], figures: dict[int, ComputedFigure | None], existing: dict[int, Actual | None]
) -> list[Kpi]:
    """An order in which no write breaks the subset rule on the way: a subset that shrinks is written
    before its parent shrinks, and a parent that grows before its subset grows."""

    def shrinks(kpi: Kpi) -> bool:
        figure, actual = figures[kpi.pk], existing[kpi.pk]
        old = actual.figure if actual is not None else None
        return figure is not None and figure.value is not None and old is not None and figure.value < old

    shrinking = sorted((k for k in kpis if shrinks(k)), key=_depth, reverse=True)
    return shrinking + sorted((k for k in kpis if not shrinks(k)), key=_depth)


def _depth(kpi: Kpi) -> int:
    depth, parent = 0, kpi.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    return depth


def _store(kpi: Kpi, year: int, figure: ComputedFigure | None, existing: Actual | None, *, actor: Actor) -> Recomputed:
    """Write the figure unless it is already stored or locked by an accepted self-evaluation (kept as is)."""
    from chizai.kpis.actions import save_actual
    from chizai.kpis.locks import lock_reason

    if figure is None and (existing is None or existing.source not in COUNTED_SOURCES):
        return Recomputed(kpi, year, Outcome.NO_FIGURE, existing)  # others' figures are not ours to take back
    if figure is not None and existing is not None and figure.matches(existing):
        return Recomputed(kpi, year, Outcome.UNCHANGED, existing)
    if lock_reason(kpi, start_year=year, end_year=year, half=HalfChoice.FULL) is not None:
        return Recomputed(kpi, year, Outcome.LOCKED, existing)
    removed = {"value": None, "source": existing.source if existing is not None else ActualSource.COMPUTED}
    fields = removed if figure is None else figure.actual_fields()
    try:
        actual = save_actual(kpi=kpi, start_year=year, end_year=year, expected_version=None, actor=actor, **fields)
    except ValidationError as error:
        return Recomputed(kpi, year, Outcome.REFUSED, existing, error.messages[0])
    return Recomputed(kpi, year, Outcome.WRITTEN if actual is not None else Outcome.REMOVED, actual)
