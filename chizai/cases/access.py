"""Who sees and changes which hands-on support case and company: the permission chokepoint for cases.

- The support team (the case's `support_team` organisation, normally JPO) and every JPO member see all of a
  case ("full"): company details, hearing notes, issues, expert support, outcomes.
- The referring body (the case's `referred_by`) sees the status of the cases it referred ("status"): the
  company's name, the stage and the dates, never notes, issues or outcomes.
- Everyone else sees only counts.
Writing a case needs the editor or administrator role in JPO or in the case's support team.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from chizai.cases.models import Company, Stage, StageChange, SupportCase
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import EDIT_ROLES, memberships, sees_everything

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

Access = Literal["full", "status"]
FULL: Access = "full"
STATUS: Access = "status"


def _organization_ids(user: AnyUser, *, editing: bool = False) -> set[int]:
    return {m.organization_id for m in memberships(user) if not editing or m.role in EDIT_ROLES}


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _edits_for_jpo(user: AnyUser) -> bool:
    if _is_superuser(user):
        return True
    return any(m.organization.kind == OrganizationKind.JPO and m.role in EDIT_ROLES for m in memberships(user))


def cases_visible_to(user: AnyUser) -> QuerySet[SupportCase]:
    """The cases whose page the user may open, in full or as status."""
    if sees_everything(user):
        return SupportCase.objects.all()
    own = _organization_ids(user)
    return SupportCase.objects.filter(Q(support_team_id__in=own) | Q(referred_by_id__in=own))


def cases_fully_visible_to(user: AnyUser) -> QuerySet[SupportCase]:
    """The cases the user sees in full (notes, issues, outcomes)."""
    if sees_everything(user):
        return SupportCase.objects.all()
    return SupportCase.objects.filter(support_team_id__in=_organization_ids(user))


def case_access(user: AnyUser, case: SupportCase) -> Access | None:
    if sees_everything(user):
        return FULL
    own = _organization_ids(user)
    if case.support_team_id in own:
        return FULL
    if case.referred_by_id is not None and case.referred_by_id in own:
        return STATUS
    return None


def can_write_case(user: AnyUser, case: SupportCase) -> bool:
    """JPO editors and administrators, or those of the case's support team."""
    return _edits_for_jpo(user) or case.support_team_id in _organization_ids(user, editing=True)


def get_case_for_user(user: AnyUser, pk: int, *, write: bool = False) -> SupportCase:
    """The case if the user may see it (404 otherwise), and may change it when `write` (403 otherwise)."""
    case = cases_visible_to(user).select_related("company", "referred_by", "support_team").filter(pk=pk).first()
    if case is None:
        raise Http404("支援案件が見つかりません。")
    if write and not can_write_case(user, case):
        raise PermissionDenied("この支援案件を変更する権限がありません。")
    return case


def can_open_push_cases(user: AnyUser) -> bool:
    """特許庁から直接（プッシュ型） cases are opened by JPO editors and administrators."""
    return _edits_for_jpo(user)


def referring_organizations(user: AnyUser) -> list[Organization]:
    """The bodies (other than JPO) in whose name the user may refer companies: where they edit."""
    return [
        m.organization
        for m in memberships(user)
        if m.role in EDIT_ROLES and m.organization.kind != OrganizationKind.JPO
    ]


def can_start_cases(user: AnyUser) -> bool:
    return can_open_push_cases(user) or bool(referring_organizations(user))


def companies_visible_to(user: AnyUser) -> QuerySet[Company]:
    """Companies of the cases the user sees in full, and those registered by the user's organisations."""
    if sees_everything(user):
        return Company.objects.all()
    own = _organization_ids(user)
    if not own:
        return Company.objects.none()
    supported = SupportCase.objects.filter(support_team_id__in=own).values("company_id")
    return Company.objects.filter(Q(registered_by_id__in=own) | Q(pk__in=supported))


def get_company_for_user(user: AnyUser, pk: int) -> Company:
    company = companies_visible_to(user).select_related("prefecture", "registered_by").filter(pk=pk).first()
    if company is None:
        raise Http404("企業が見つかりません。")
    return company


def can_register_companies(user: AnyUser) -> bool:
    return _is_superuser(user) or bool(_organization_ids(user, editing=True))


def registering_organization(user: AnyUser) -> Organization | None:
    """The organisation recorded as having registered a company: the user's first one where they edit."""
    for membership in memberships(user):
        if membership.role in EDIT_ROLES:
            return membership.organization
    if _is_superuser(user):
        return Organization.objects.filter(kind=OrganizationKind.JPO).first()
    return None


# Time in stage and overdue cases


def entered_on(at: datetime.datetime) -> datetime.date:
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def days_in_stage(case: SupportCase, today: datetime.date) -> int:
    """Whole days since the case entered its current stage (0 on the day it did)."""
    return max((today - entered_on(case.stage_entered_at)).days, 0)


def is_overdue(case: SupportCase, today: datetime.date) -> bool:
    return case.stage != Stage.CLOSED and case.stage_due_date is not None and case.stage_due_date < today


def overdue_cases(user: AnyUser, today: datetime.date) -> QuerySet[SupportCase]:
    """Open cases the user may see whose current stage is past its due date, the longest overdue first."""
    return (
        cases_visible_to(user)
        .filter(stage_due_date__lt=today)
        .exclude(stage=Stage.CLOSED)
        .select_related("company", "referred_by", "support_team")
        .order_by("stage_due_date", "pk")
    )


@dataclass(frozen=True)
class StagePeriod:
    """One stay of a case in a stage: when it began, how long it lasted (so far), the due date set for it."""

    change: StageChange
    started_on: datetime.date
    ended_on: datetime.date | None
    days: int
    current: bool


def stage_history(changes: list[StageChange], today: datetime.date) -> list[StagePeriod]:
    """The stays in each stage, from the stage changes in order; the last one lasts until today."""
    periods = []
    for index, change in enumerate(changes):
        started = entered_on(change.at)
        following = changes[index + 1] if index + 1 < len(changes) else None
        ended = entered_on(following.at) if following is not None else None
        closed = change.to_stage == Stage.CLOSED
        days = max(((ended or today) - started).days, 0)
        periods.append(StagePeriod(change, started, ended, 0 if closed else days, following is None))
    return periods
