"""Who sees and changes which hands-on support case and company: the permission chokepoint for cases.

- The support team (the case's `support_team` organisation, normally JPO) and every JPO member see all of a
  case ("full"): company details, hearing notes, issues, expert support, outcomes.
- The referring body (the case's `referred_by`) sees the status of the cases it referred ("status"): the
  company's name, the stage and the dates, never notes, issues or outcomes.
- Everyone else sees only counts.
Writing a case needs JPO's writer role (`is_jpo_writer`) or the right to edit the support team's data.

Which cases and companies a user sees are QuerySet methods (`SupportCase.objects.visible_to(user)`,
`.fully_visible_to(user)`, `Company.objects.visible_to(user)`); the getters and predicates are here. The
role rules themselves live only in `chizai.organizations.permissions`.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from chizai.cases.models import Company, SupportCase
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import (
    can_edit_organization,
    edits_somewhere,
    is_jpo_writer,
    organizations_where,
    sees_everything,
)
from chizai.organizations.types import AnyUser

Access = Literal["full", "status"]
FULL: Access = "full"
STATUS: Access = "status"

CASE_RELATED = ("company", "referred_by", "support_team")


def _own_ids(user: AnyUser) -> set[int]:
    return {organization.pk for organization in organizations_where(user)}


def case_access(user: AnyUser, case: SupportCase) -> Access | None:
    """How much of the case the user sees: "full", "status" (the referrer) or nothing (None)."""
    if sees_everything(user):
        return FULL
    own = _own_ids(user)
    if case.support_team_id in own:
        return FULL
    if case.referred_by_id is not None and case.referred_by_id in own:
        return STATUS
    return None


def can_write_case(user: AnyUser, case: SupportCase) -> bool:
    """JPO's writers (editors and administrators), or those who edit the case's support team."""
    return is_jpo_writer(user) or can_edit_organization(user, case.support_team)


def get_case_for_user(user: AnyUser, pk: int, *, write: bool = False) -> SupportCase:
    """The case if the user may see it (404 otherwise), and may change it when `write` (403 otherwise)."""
    case = SupportCase.objects.visible_to(user).select_related(*CASE_RELATED).filter(pk=pk).first()
    if case is None:
        raise Http404("支援案件が見つかりません。")
    if write and not can_write_case(user, case):
        raise PermissionDenied("この支援案件を変更する権限がありません。")
    return case


def can_open_push_cases(user: AnyUser) -> bool:
    """特許庁から直接（プッシュ型） cases are opened by JPO's writers."""
    return is_jpo_writer(user)


def editable_organizations(user: AnyUser) -> list[Organization]:
    """The user's own organisations whose data the user may edit, in membership order."""
    return [organization for organization in organizations_where(user) if can_edit_organization(user, organization)]


def referring_organizations(user: AnyUser) -> list[Organization]:
    """The bodies (other than JPO) in whose name the user may refer companies: where they edit."""
    return [o for o in editable_organizations(user) if o.kind != OrganizationKind.JPO]


def can_refer(user: AnyUser) -> bool:
    """Whether the user may start a case: a JPO-direct one, or a referral in a body's name."""
    return can_open_push_cases(user) or bool(referring_organizations(user))


def can_write_company(user: AnyUser, company: Company) -> bool:
    """JPO's writers, or those who edit the body that registered the company."""
    return is_jpo_writer(user) or can_edit_organization(user, company.registered_by)


def get_company_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Company:
    """The company if the user may see it (404 otherwise), and may change it when `write` (403 otherwise)."""
    company = Company.objects.visible_to(user).select_related("prefecture", "registered_by").filter(pk=pk).first()
    if company is None:
        raise Http404("企業が見つかりません。")
    if write and not can_write_company(user, company):
        raise PermissionDenied("この企業の情報を変更する権限がありません。")
    return company


def can_register_companies(user: AnyUser) -> bool:
    return edits_somewhere(user)


def registering_organization(user: AnyUser) -> Organization | None:
    """The organisation recorded as having registered a company: the user's first one where they edit."""
    editable = editable_organizations(user)
    if editable:
        return editable[0]
    if can_register_companies(user):  # a superuser without a membership registers for JPO
        return Organization.objects.filter(kind=OrganizationKind.JPO).order_by("pk").first()
    return None


def overdue_cases(user: AnyUser, today: datetime.date) -> QuerySet[SupportCase]:
    """Open cases the user may see whose current stage is past its due date, the longest overdue first."""
    return SupportCase.objects.visible_to(user).overdue(today).select_related(*CASE_RELATED)


def find_company_by_number(user: AnyUser, number: str) -> Company | None:
    """The company the user would refer by its corporate number: their own body's record first, else the
    oldest one the user sees. None when the user sees none, whoever else may have registered the number."""
    visible = Company.objects.visible_to(user).filter(corporate_number=number).order_by("pk")
    own = visible.filter(registered_by_id__in=[o.pk for o in organizations_where(user)]).first()
    return own or visible.first()
