"""The self-evaluation list (自己評価の一覧): which half years, whose evaluations, and what may be done.

Read-only: a half year not stored yet is shown from its defaults and stored only when someone starts an
evaluation for it. The list page and its Excel/CSV export (chizai.exchange) both read it from here.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from chizai.kpis.models import Plan
from chizai.lib.business_days import business_days_until, previous_business_day
from chizai.lib.fiscal import Half, half_end
from chizai.lib.wareki import wareki_date
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, organizations_where
from chizai.organizations.types import AnyUser
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, default_due_date


@dataclass(frozen=True)
class Deadline:
    """A period's due date as the list shows it: 西暦, 和暦, and the business days left (営業日)."""

    due_date: datetime.date
    today: datetime.date

    @property
    def wareki(self) -> str:
        return wareki_date(self.due_date)

    @property
    def business_days_left(self) -> int:
        return business_days_until(self.today, self.due_date)

    @property
    def is_past(self) -> bool:
        return self.today > self.due_date

    @property
    def remaining_label(self) -> str:
        if self.today == self.due_date:
            return "本日が提出期限です"
        if self.is_past:
            overdue = -self.business_days_left
            return f"期限を{overdue}営業日過ぎています" if overdue else "期限を過ぎています"
        return f"あと{self.business_days_left}営業日"


@dataclass(frozen=True)
class EvaluationLine:
    """One half year of one of the user's organisations: its evaluation, if started, and what may be done."""

    period: ReportingPeriod
    organization: Organization
    evaluation: SelfEvaluation | None
    deadline: Deadline
    can_start: bool

    @property
    def outstanding(self) -> bool:
        """Not yet handed in: the deadline still matters."""
        return self.evaluation is None or self.evaluation.is_editable


def plan_periods(plan: Plan) -> list[ReportingPeriod]:
    """Every half year of the plan (上期・下期 of each fiscal year): the stored ones, and unsaved defaults for
    those nobody has started yet (their due date as `chizai.pdca.actions.ensure_period` would store it)."""
    stored = {(p.fiscal_year, p.half): p for p in ReportingPeriod.objects.filter(plan=plan).select_related("plan")}
    return [
        stored.get((year, half))
        or ReportingPeriod(
            plan=plan,
            fiscal_year=year,
            half=half,
            due_date=previous_business_day(default_due_date(year, half)),
        )
        for year in plan.fiscal_years
        for half in (Half.FIRST.value, Half.SECOND.value)
    ]


PERIOD_KEY = re.compile(r"(?P<number>\d{1,4})-(?P<year>\d{4})(?P<half>H[12])")


def period_from_param(param: str) -> ReportingPeriod:
    """The period a link names (`ReportingPeriod.param`): a stored one by number, or one not stored yet by its
    key; 404 for anything else."""
    if param.isdigit() and len(param) < 10:
        period = ReportingPeriod.objects.select_related("plan").filter(pk=int(param)).first()
        if period is not None:
            return period
    match = PERIOD_KEY.fullmatch(param)
    plan = Plan.objects.filter(number=int(match["number"])).first() if match else None
    if match is None or plan is None:
        raise Http404("報告期間が見つかりません。")
    key = (int(match["year"]), match["half"])
    found = [p for p in plan_periods(plan) if (p.fiscal_year, p.half) == key]
    if not found:
        raise Http404("報告期間が見つかりません。")
    return found[0]


def selected_plan(plans: list[Plan], raw: str | None) -> Plan:
    """The plan asked for by its number (第N次), else the latest."""
    chosen = [p for p in plans if str(p.number) == raw] if raw else plans[:1]
    if not chosen:
        raise Http404("計画が見つかりません。")
    return chosen[0]


def selected_period(periods: list[ReportingPeriod], raw: str | None, today: datetime.date) -> ReportingPeriod:
    """The requested half year (by its number, or its key such as 2025H1 while not stored); by default the
    latest one that has ended (the one being reported on)."""
    if not periods:
        raise Http404("この計画には報告期間がありません。")
    by_param = {p.param: p for p in periods} | {p.key: p for p in periods}
    if raw in by_param:
        return by_param[raw]
    ended = [p for p in periods if half_end(p.fiscal_year, Half(p.half)) < today]
    return ended[-1] if ended else periods[0]


def own_organizations(user: AnyUser) -> list[Organization]:
    return list({o.pk: o for o in organizations_where(user)}.values())


def own_lines(
    user: AnyUser, periods: list[ReportingPeriod], organizations: list[Organization], today: datetime.date
) -> list[tuple[Organization, list[EvaluationLine]]]:
    stored = [p for p in periods if p.pk is not None]
    evaluations = {
        (e.period_id, e.organization_id): e
        for e in SelfEvaluation.objects.visible_to(user).filter(period__in=stored, organization__in=organizations)
    }
    return [
        (
            organization,
            [
                EvaluationLine(
                    period=period,
                    organization=organization,
                    evaluation=evaluations.get((period.pk, organization.pk)) if period.pk else None,
                    deadline=Deadline(period.due_date, today),
                    can_start=can_edit_organization(user, organization),
                )
                for period in periods
            ],
        )
        for organization in organizations
    ]


def others_queryset(
    user: AnyUser, period: ReportingPeriod, organizations: list[Organization]
) -> QuerySet[SelfEvaluation]:
    """The period's evaluations of other bodies the user may read, in the list's order (a stable one)."""
    if period.pk is None:
        return SelfEvaluation.objects.none()
    return (
        SelfEvaluation.objects.visible_to(user)
        .filter(period=period)
        .exclude(organization__in=organizations)
        .select_related("organization", "period")
        .order_by("organization__sort_order", "organization__jis_code", "organization__code", "pk")
    )


def others_of(user: AnyUser, period: ReportingPeriod, organizations: list[Organization]) -> list[SelfEvaluation]:
    """The period's evaluations of other bodies the user may read (all of them: the export)."""
    return list(others_queryset(user, period, organizations))
