"""The self-evaluation list (自己評価の一覧): which half years, whose evaluations, and what may be done.

The list page and its Excel/CSV export (chizai.exchange) both read it from here, not from the views.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from chizai.kpis.models import Plan
from chizai.lib.business_days import business_days_until
from chizai.lib.fiscal import Half, half_end
from chizai.lib.wareki import wareki_date
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, memberships
from chizai.pdca.models import ReportingPeriod, SelfEvaluation


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


def selected_plan(plans: list[Plan], raw: str | None) -> Plan:
    """The plan asked for by its number (第N次), else the latest."""
    chosen = [p for p in plans if str(p.number) == raw] if raw else plans[:1]
    if not chosen:
        raise Http404("計画が見つかりません。")
    return chosen[0]


def selected_period(periods: list[ReportingPeriod], raw: str | None, today: datetime.date) -> ReportingPeriod:
    """The requested half year; by default the latest one that has ended (the one being reported on)."""
    by_id = {str(p.pk): p for p in periods}
    if raw in by_id:
        return by_id[raw]
    ended = [p for p in periods if half_end(p.fiscal_year, Half(p.half)) < today]
    return ended[-1] if ended else periods[0]


def own_organizations(user: Any) -> list[Organization]:
    return list({m.organization_id: m.organization for m in memberships(user)}.values())


def own_lines(
    user: Any, periods: list[ReportingPeriod], organizations: list[Organization], today: datetime.date
) -> list[tuple[Organization, list[EvaluationLine]]]:
    evaluations = {
        (e.period_id, e.organization_id): e
        for e in SelfEvaluation.objects.visible_to(user).filter(period__in=periods, organization__in=organizations)
    }
    return [
        (
            organization,
            [
                EvaluationLine(
                    period=period,
                    organization=organization,
                    evaluation=evaluations.get((period.pk, organization.pk)),
                    deadline=Deadline(period.due_date, today),
                    can_start=can_edit_organization(user, organization),
                )
                for period in periods
            ],
        )
        for organization in organizations
    ]
