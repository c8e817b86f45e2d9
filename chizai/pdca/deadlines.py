"""Who must evaluate themselves each half year, by when, and who is late (提出期限と提出状況).

Due dates live on `ReportingPeriod.due_date` (set by `chizai.pdca.actions.ensure_periods` to the end of
October for 上期 and the end of April for 下期, moved back to a business day, and changeable in the admin).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q

from chizai.kpis.models import Kpi, Plan
from chizai.lib.business_days import business_days_until
from chizai.lib.fiscal import Half, half_end
from chizai.organizations.models import Organization, OrganizationKind
from chizai.pdca.models import EDITABLE_STATUSES, ReportingPeriod, SelfEvaluation

DEFAULT_REMINDER_DAYS_BEFORE = 5
NOT_STARTED_LABEL = "未着手"
WEEKDAYS = "月火水木金土日"


def japanese_date(day: datetime.date) -> str:
    """A due date as officials write it: 2026年10月30日（金）."""
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def reminder_days_before() -> int:
    """How many business days before the due date the 期限が近づいています reminder goes out."""
    value = getattr(settings, "CHIZAI_REMINDER_DAYS_BEFORE", DEFAULT_REMINDER_DAYS_BEFORE)
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return DEFAULT_REMINDER_DAYS_BEFORE


def required_organizations(plan: Plan, scope: Q | None = None) -> list[Organization]:
    """Every prefecture, every INPIT window, and every body owning a KPI of the plan (JPO, INPIT…).

    Central bodies come first, then the regional blocks in their usual order. `scope` narrows the list
    (e.g. to one block) in the same query.
    """
    return _required_organizations(plan.pk, scope)


def _required_organizations(plan_id: int, scope: Q | None) -> list[Organization]:
    required = Q(kind__in=[OrganizationKind.PREFECTURE, OrganizationKind.INPIT_WINDOW]) | Q(
        pk__in=Kpi.objects.filter(plan_id=plan_id).values("owner_id")
    )
    queryset = Organization.objects.filter(required, scope or Q()).select_related("bureau")
    # Within a block each prefecture is followed by its support window (they share the sort order).
    order = (F("bureau__sort_order").asc(nulls_first=True), "sort_order", "-kind", "code")
    return list(queryset.order_by(*order))


def is_submitted(evaluation: SelfEvaluation | None) -> bool:
    """Whether the body has handed its evaluation in (submitted, reviewed or accepted)."""
    return evaluation is not None and evaluation.status not in EDITABLE_STATUSES


def is_overdue(period: ReportingPeriod, evaluation: SelfEvaluation | None, today: datetime.date) -> bool:
    """Past the due date and not handed in: no evaluation, or one being written, returned or reopened."""
    return today > period.due_date and not is_submitted(evaluation)


def is_open(period: ReportingPeriod, today: datetime.date) -> bool:
    """Whether the period is the one bodies report on now (受付中).

    It opens when its half year is over and stays open until the next half year is over (or until its
    due date, if that was set later), so a plan has at most one open period at a time and finished
    plans stop producing reminders.
    """
    year, half = period.fiscal_year, Half(period.half)
    next_half_end = half_end(year, Half.SECOND) if half is Half.FIRST else half_end(year + 1, Half.FIRST)
    return half_end(year, half) < today <= max(next_half_end, period.due_date)


def open_periods(today: datetime.date) -> list[ReportingPeriod]:
    """The open periods of every plan, most recent plan first."""
    periods = ReportingPeriod.objects.select_related("plan").order_by("-plan__number", "fiscal_year", "half")
    return [period for period in periods if is_open(period, today)]


def _evaluations_of(period: ReportingPeriod, organizations: list[Organization]) -> dict[int, SelfEvaluation]:
    """The period's evaluations by organisation id, their period and organisation already attached."""
    by_id = {o.pk: o for o in organizations}
    evaluations = list(SelfEvaluation.objects.filter(period=period, organization_id__in=list(by_id)))
    for evaluation in evaluations:
        evaluation.period, evaluation.organization = period, by_id[evaluation.organization_id]
    return {e.organization_id: e for e in evaluations}


def current_periods(today: datetime.date) -> list[ReportingPeriod]:
    """The open periods, or else the most recent one whose due date has passed (what the to-do page shows)."""
    periods = open_periods(today)
    if periods:
        return periods
    latest = (
        ReportingPeriod.objects.select_related("plan").filter(due_date__lt=today).order_by("-due_date", "-pk").first()
    )
    return [latest] if latest else []


@dataclass(frozen=True)
class DeadlineRow:
    """One body's standing for one period: its evaluation (if started), the due date and what is left."""

    period: ReportingPeriod
    organization: Organization
    evaluation: SelfEvaluation | None
    due_date: datetime.date
    business_days_left: int
    overdue: bool

    @property
    def status_label(self) -> str:
        return self.evaluation.status_label if self.evaluation else NOT_STARTED_LABEL

    @property
    def due_date_label(self) -> str:
        return japanese_date(self.due_date)

    @property
    def submitted(self) -> bool:
        return is_submitted(self.evaluation)

    @property
    def business_days_overdue(self) -> int:
        return max(-self.business_days_left, 0)

    @property
    def remaining_label(self) -> str:
        """What is left, in words: 残り3営業日, 本日が期限, 期限超過（2営業日）, or — once handed in."""
        if self.submitted:
            return "—"
        if self.overdue:
            return f"期限超過（{self.business_days_overdue}営業日）" if self.business_days_overdue else "期限超過"
        if self.business_days_left <= 0:
            return "本日が期限"
        return f"残り{self.business_days_left}営業日"


def period_status(period: ReportingPeriod, today: datetime.date, scope: Q | None = None) -> list[DeadlineRow]:
    """A row per required organisation (narrowed by `scope`): status or 未着手, due date, days left, overdue."""
    organizations = _required_organizations(period.plan_id, scope)
    evaluations = _evaluations_of(period, organizations)
    days_left = business_days_until(today, period.due_date)
    return [
        DeadlineRow(
            period=period,
            organization=organization,
            evaluation=evaluations.get(organization.pk),
            due_date=period.due_date,
            business_days_left=days_left,
            overdue=is_overdue(period, evaluations.get(organization.pk), today),
        )
        for organization in organizations
    ]
