"""Who may see and change which organisation's data: the organisation-level permission rules.

Every body sees the central bodies (JPO, INPIT: the central KPIs are shared with all).
Beyond that: JPO sees everything; a bureau sees its regional block; INPIT sees its windows;
a prefecture sees itself and the bodies located in it; any other body sees itself.
Editing needs the editor or administrator role in the owning organisation; a JPO administrator may edit all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from chizai.organizations.models import Membership, Organization, OrganizationKind, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

CENTRAL_KINDS = (OrganizationKind.JPO, OrganizationKind.INPIT)
REVIEW_ROLES = (Role.REVIEWER, Role.ADMIN)
EDIT_ROLES = (Role.EDITOR, Role.ADMIN)


def memberships(user: AnyUser) -> list[Membership]:
    """The user's memberships, loaded once per user object (i.e. once per request)."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_chizai_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organization").order_by("pk"))
        user._chizai_memberships = cached  # type: ignore[union-attr]
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


def primary_organization(user: AnyUser) -> Organization | None:
    ms = memberships(user)
    return ms[0].organization if ms else None
