"""Who may see and change which organisation's data: the organisation-level permission rules.

Every body sees the central bodies (JPO, INPIT: the central KPIs are shared with all).
Beyond that: JPO sees everything; a bureau sees its regional block; INPIT sees its windows;
a prefecture sees itself and the bodies located in it; any other body sees itself.
Editing needs the editor or administrator role in the owning organisation; a JPO administrator may edit all.

Who at JPO may do what, defined here once and nowhere else:
- every JPO member (and a superuser) sees everything;
- JPO editors and administrators do JPO's own work (`is_jpo_writer`): central KPIs, hands-on support cases,
  push referrals, model cases;
- JPO reviewers and administrators accept, return and reopen self-evaluations and approve model cases
  (`is_jpo_reviewer`);
- JPO administrators alone change the plan's own texts and any organisation's data (`is_jpo_admin`).
A bureau's reviewers and administrators review their regional block (`is_block_reviewer`).
No view, template or other module computes a role: they call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from chizai.organizations.choices import OrganizationKind, Role
from chizai.organizations.types import AnyUser

if TYPE_CHECKING:
    # Annotations only: the models call these rules (`visible_to`), so the rules never import the models.
    from chizai.organizations.models import Membership, Organization

CENTRAL_KINDS = (OrganizationKind.JPO, OrganizationKind.INPIT)
REVIEW_ROLES = (Role.REVIEWER, Role.ADMIN)
EDIT_ROLES = (Role.EDITOR, Role.ADMIN)


def memberships(user: AnyUser) -> list[Membership]:
    """The user's memberships, loaded once per user object (i.e. once per request)."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_chizai_memberships", None)
    if cached is None:
        signed_in: Any = user  # any user model of ours has `memberships` (Membership.user's related name)
        cached = list(signed_in.memberships.select_related("organization").order_by("pk"))
        signed_in._chizai_memberships = cached
    return cached


def sees_everything(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(m.organization.kind == OrganizationKind.JPO for m in memberships(user))


def _own_scope(organization: Organization, prefix: str) -> Q:
    pk = organization.pk
    if organization.kind == OrganizationKind.BUREAU:
        return Q(**{f"{prefix}pk": pk}) | Q(**{f"{prefix}bureau_id": pk})
    if organization.kind == OrganizationKind.INPIT:
        return Q(**{f"{prefix}pk": pk}) | Q(**{f"{prefix}parent_id": pk})
    if organization.kind == OrganizationKind.PREFECTURE:
        return Q(**{f"{prefix}pk": pk}) | Q(**{f"{prefix}prefecture_id": pk})
    return Q(**{f"{prefix}pk": pk})


def scope_filter(user: AnyUser, *, field: str) -> Q:
    """A Q selecting the organisations (through `field`, e.g. "owner") the user may see."""
    prefix = f"{field}__" if field else ""
    if sees_everything(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    q = Q(**{f"{prefix}kind__in": CENTRAL_KINDS})
    for membership in memberships(user):
        q |= _own_scope(membership.organization, prefix)
    return q


def can_view_organization(user: AnyUser, organization: Organization) -> bool:
    if sees_everything(user):
        return True
    if not user.is_authenticated:
        return False
    if organization.kind in CENTRAL_KINDS:
        return True
    return any(_in_scope(m.organization, organization) for m in memberships(user))


def _in_scope(own: Organization, other: Organization) -> bool:
    if own.pk == other.pk:
        return True
    if own.kind == OrganizationKind.BUREAU:
        return other.bureau_id == own.pk
    if own.kind == OrganizationKind.INPIT:
        return other.parent_id == own.pk
    if own.kind == OrganizationKind.PREFECTURE:
        return other.prefecture_id == own.pk
    return False


def can_edit_organization(user: AnyUser, organization: Organization) -> bool:
    """Whether the user may enter and change this organisation's plan data."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    for membership in memberships(user):
        if membership.organization.kind == OrganizationKind.JPO and membership.role == Role.ADMIN:
            return True
        if membership.organization.pk == organization.pk and membership.role in EDIT_ROLES:
            return True
    return False


def can_review_organization(user: AnyUser, organization: Organization) -> bool:
    """Whether the user reviews this organisation: JPO reviewers for all, a bureau's for its block."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    for membership in memberships(user):
        if membership.role not in REVIEW_ROLES:
            continue
        own = membership.organization
        if own.kind == OrganizationKind.JPO or (own.kind == OrganizationKind.BUREAU and _in_scope(own, organization)):
            return True
    return False


def _is_superuser(user: AnyUser) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_superuser", False))


def _has_jpo_role(user: AnyUser, roles: tuple[str, ...]) -> bool:
    if _is_superuser(user):
        return True
    return any(m.organization.kind == OrganizationKind.JPO and m.role in roles for m in memberships(user))


def is_jpo_writer(user: AnyUser) -> bool:
    """JPO editors and administrators: JPO's own work (central KPIs, support cases, model cases)."""
    return _has_jpo_role(user, EDIT_ROLES)


def is_jpo_reviewer(user: AnyUser) -> bool:
    """JPO reviewers and administrators: accept, return and reopen evaluations; approve model cases."""
    return _has_jpo_role(user, REVIEW_ROLES)


def is_jpo_admin(user: AnyUser) -> bool:
    """JPO administrators: the plan's own texts and any organisation's data."""
    return _has_jpo_role(user, (Role.ADMIN,))


def is_block_reviewer(user: AnyUser, organization: Organization) -> bool:
    """A reviewer or administrator of the bureau whose regional block holds `organization`."""
    bureau_id = organization.bureau_id
    return bureau_id is not None and any(
        m.organization_id == bureau_id and m.role in REVIEW_ROLES for m in memberships(user)
    )


def organizations_where(user: AnyUser, roles: tuple[str, ...] | None = None) -> list[Organization]:
    """The user's organisations, those where the user holds one of `roles` when given."""
    return [m.organization for m in memberships(user) if roles is None or m.role in roles]


def editor_memberships(organization_ids: Iterable[int]) -> Q:
    """Who edits these organisations' data: their active editors' and administrators' memberships, as a filter
    of `Membership` rows (`Membership.objects.filter(editor_memberships(ids))`), e.g. a reminder's recipients."""
    return Q(organization_id__in=list(organization_ids), role__in=EDIT_ROLES, user__is_active=True)


def edits_somewhere(user: AnyUser) -> bool:
    """Whether the user may write anything at all (editor or administrator anywhere, or a superuser)."""
    return _is_superuser(user) or bool(organizations_where(user, EDIT_ROLES))


def primary_organization(user: AnyUser) -> Organization | None:
    ms = memberships(user)
    return ms[0].organization if ms else None


def can_manage_members(user: AnyUser, organization: Organization) -> bool:
    """An organisation's administrators (and superusers) invite, disable and re-enable its users."""
    if _is_superuser(user):
        return True
    return any(m.organization_id == organization.pk and m.role == Role.ADMIN for m in memberships(user))


def needs_second_factor(user: AnyUser) -> bool:
    """Who must sign in with a second factor when MFA is required (CHIZAI_MFA_REQUIRED): administrators
    (superusers, staff, any organisation's administrators) and reviewers (JPO's and the bureaus')."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user) or getattr(user, "is_staff", False):
        return True
    return any(m.role in REVIEW_ROLES for m in memberships(user))


def can_unlock_sign_ins(user: AnyUser) -> bool:
    """The admin's users (staff, superusers) clear a lockout after repeated failed sign-ins."""
    return bool(user.is_authenticated and (getattr(user, "is_staff", False) or _is_superuser(user)))
