"""The analysis fed back to the regions (地域へのフィードバック): for a block or a prefecture, what its supported
companies needed (the issue categories of fig. 2 and the IP categories), how long each stage of the support took,
what was done (INPIT expert dispatch, accelerated support), what came of it (outcomes and the follow-up survey)
and the region's published model cases.

Only aggregates leave a body: counts and shares over the region's cases (by the company's prefecture), never a
company's name or record; the model cases shown are the published ones, written for publication. Who sees which
region: JPO every block and prefecture, a bureau its block and the block's prefectures, a prefecture itself.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from chizai.cases.models import (
    CaseIssue,
    ExpertSupport,
    ExpertSupportKind,
    IssueCategory,
    ModelCase,
    ModelCaseStatus,
    Origin,
    Stage,
    StageChange,
    SupportCase,
)
from chizai.lib.numbers import round_half_up
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import organizations_where, sees_everything
from chizai.organizations.types import AnyUser
from chizai.surveys.models import Answer, Audience, QuestionKind, Response

# fig. 2's management issues, then the IP issues (知財の課題): the two lists the page shows apart.
MANAGEMENT_ISSUES = (
    IssueCategory.STAFFING,
    IssueCategory.SALES,
    IssueCategory.ORGANIZATION,
    IssueCategory.PRODUCT,
    IssueCategory.FINANCING,
)
OUTCOMES = (
    ("outcome_ip_in_strategy", "知財を経営戦略に位置づけた"),
    ("outcome_acted_on", "知財の取組を実行に移した"),
    ("outcome_business_growth", "事業成長（利益率向上・海外展開等）"),
    ("outcome_ip_acquired_or_used", "特許等の取得・活用"),
)
TIMED_STAGES = [s for s in Stage if s != Stage.CLOSED]


def regions_for_user(user: AnyUser) -> list[Organization]:
    """The blocks and prefectures whose analysis the user may read, blocks first in the reference order."""
    regions = Organization.objects.filter(kind__in=(OrganizationKind.BUREAU, OrganizationKind.PREFECTURE))
    if not sees_everything(user):
        own = [o for o in organizations_where(user) if o.kind in (OrganizationKind.BUREAU, OrganizationKind.PREFECTURE)]
        scope = Q(pk__in=[o.pk for o in own]) | Q(
            kind=OrganizationKind.PREFECTURE, bureau__in=[o.pk for o in own if o.kind == OrganizationKind.BUREAU]
        )
        regions = regions.filter(scope)
    return list(regions.order_by("kind", "sort_order", "jis_code"))  # "bureau" < "prefecture": blocks first


def get_region_for_user(user: AnyUser, code: str) -> Organization:
    region = next((r for r in regions_for_user(user) if r.code == code), None)
    if region is None:
        raise Http404("この地域の分析は閲覧できません。")
    return region


@dataclass(frozen=True)
class Count_:
    label: str
    count: int
    percent: Decimal


@dataclass(frozen=True)
class StageTime:
    label: str
    cases: int
    median_days: float | None
    mean_days: float | None


@dataclass
class RegionalAnalysis:
    region: Organization
    today: datetime.date
    cases: int = 0
    by_origin: list[Count_] = field(default_factory=list)
    management_issues: list[Count_] = field(default_factory=list)
    ip_issues: list[Count_] = field(default_factory=list)
    stage_times: list[StageTime] = field(default_factory=list)
    supports: list[Count_] = field(default_factory=list)
    outcomes: list[tuple[str, int, int, Decimal]] = field(default_factory=list)  # label, yes, answered, %
    survey_answers: int = 0
    survey_outcomes: list[tuple[str, int, int, Decimal]] = field(default_factory=list)
    model_cases: list[ModelCase] = field(default_factory=list)

    @property
    def is_block(self) -> bool:
        return self.region.kind == OrganizationKind.BUREAU


def region_cases(region: Organization) -> QuerySet[SupportCase]:
    """The cases of the region's companies (a block: of every prefecture in it)."""
    return SupportCase.objects.filter(in_region(region))


def in_region(region: Organization, via: str = "") -> Q:
    """Rows whose case (reached through `via`, e.g. "response__case__") belongs to a company of the region.

    A join, never `case__in=<subquery>`: PostgreSQL planned the nested subqueries as a loop over every answer
    times every case when its statistics were stale (minutes for a block with a few hundred answers)."""
    if region.kind == OrganizationKind.BUREAU:
        return Q(**{f"{via}company__prefecture__bureau": region})
    return Q(**{f"{via}company__prefecture": region})


def _percent(count: int, n: int) -> Decimal:
    """The plan's rounding to one decimal, as the survey results show shares."""
    return round_half_up(Decimal(count) * 100 / n, 1) if n else Decimal(0)


def _shares(counts: Counter[str], labels: list[tuple[str, str]], n: int) -> list[Count_]:
    return [Count_(label, counts[value], _percent(counts[value], n)) for value, label in labels]


def regional_analysis(region: Organization, *, today: datetime.date) -> RegionalAnalysis:
    """The region's figures in a fixed number of queries, whatever its number of cases."""
    cases = region_cases(region)
    report = RegionalAnalysis(region=region, today=today)
    origins = Counter(dict(cases.values_list("origin").annotate(n=Count("pk")).order_by()))
    report.cases = sum(origins.values())
    report.by_origin = _shares(origins, list(Origin.choices), report.cases)
    of_case = in_region(region, "case__")
    _issues(report, of_case)
    report.stage_times = stage_times(of_case)
    supported = Counter(
        dict(
            ExpertSupport.objects.filter(of_case)
            .values_list("kind")
            .annotate(n=Count("case", distinct=True))
            .order_by()
        )
    )
    report.supports = _shares(supported, list(ExpertSupportKind.choices), report.cases)
    _outcomes(report, cases, of_case)
    report.model_cases = list(
        ModelCase.objects.filter(
            status=ModelCaseStatus.PUBLISHED,
            region__in=[region.pk] if region.kind == OrganizationKind.PREFECTURE else _block_prefectures(region),
        )
        .select_related("region")
        .order_by("-published_at", "-pk")[:10]
    )
    return report


def _block_prefectures(bureau: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrganizationKind.PREFECTURE, bureau=bureau).values("pk")  # type: ignore[return-value]


def _issues(report: RegionalAnalysis, of_case: Q) -> None:
    """How many of the region's cases raised each issue category (a case counts once per category)."""
    counts = Counter(
        dict(
            CaseIssue.objects.filter(of_case)
            .values_list("category")
            .annotate(n=Count("case", distinct=True))
            .order_by()
        )
    )
    management = [(c.value, c.label) for c in MANAGEMENT_ISSUES]
    ip = [(c.value, c.label) for c in IssueCategory if c not in MANAGEMENT_ISSUES]
    report.management_issues = _shares(counts, management, report.cases)
    report.ip_issues = _shares(counts, ip, report.cases)


def stage_times(where: Q) -> list[StageTime]:
    """Days spent in each stage: from entering it to entering the next (stages still running are not counted)."""
    days: dict[str, list[float]] = defaultdict(list)
    changes = StageChange.objects.filter(where).order_by("case_id", "at", "pk").values_list("case_id", "to_stage", "at")
    previous: tuple[int, str, datetime.datetime] | None = None
    for case_id, stage, at in changes:
        if previous is not None and previous[0] == case_id:
            days[previous[1]].append((at - previous[2]).total_seconds() / 86400)
        previous = (case_id, stage, at)
    return [
        StageTime(
            str(stage.label),
            len(days[stage]),
            round(statistics.median(days[stage]), 1) if days[stage] else None,
            round(statistics.fmean(days[stage]), 1) if days[stage] else None,
        )
        for stage in TIMED_STAGES
    ]


def _outcomes(report: RegionalAnalysis, cases: QuerySet[SupportCase], of_case: Q) -> None:
    """Fig. 4's outcomes recorded on the cases, then the named follow-up survey's yes/no questions."""
    aggregates = {}
    for name, _label in OUTCOMES:
        aggregates[f"{name}_yes"] = Count("pk", filter=Q(**{name: True}))
        aggregates[f"{name}_known"] = Count("pk", filter=Q(**{f"{name}__isnull": False}))
    found = cases.aggregate(**aggregates)
    for name, label in OUTCOMES:
        yes, known = found[f"{name}_yes"], found[f"{name}_known"]
        report.outcomes.append((label, yes, known, _percent(yes, known)))
    responses = Response.objects.filter(of_case, questionnaire__audience=Audience.COMPANY)
    report.survey_answers = responses.count()
    yes_no = (
        Answer.objects.filter(
            in_region(report.region, "response__case__"),
            response__questionnaire__audience=Audience.COMPANY,
            question__kind=QuestionKind.SINGLE,
            question__choices=["はい", "いいえ"],
        )
        .values_list("question__text", "value")
        .annotate(n=Count("pk"))
        .order_by("question__text")
    )
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for text, value, n in yes_no:
        tally[text][str(value)] += n
    for text, counted in tally.items():
        answered = sum(counted.values())
        report.survey_outcomes.append((text, counted["はい"], answered, _percent(counted["はい"], answered)))
