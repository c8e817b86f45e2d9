"""The municipality survey (自治体アンケート) about the regional KPIs: one answer per prefecture a fiscal year,
invited and reminded by e-mail to the prefecture's users, answered through the link or while signed in.

Reads only; the writes are `actions.invite_organization`, `actions.issue_member_link` and the answer actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from chizai.organizations.models import Membership, Organization
from chizai.organizations.permissions import organizations_where, sees_everything
from chizai.organizations.types import AnyUser
from chizai.surveys.models import Invitation, Questionnaire


def prefecture_recipients(prefecture: Organization) -> list[str]:
    """The e-mails of the prefecture's active users (editors and administrators first), each once."""
    found: list[str] = []
    memberships = (
        Membership.objects.filter(organization=prefecture, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("role", "user__pk")
    )
    for membership in sorted(memberships, key=lambda m: (not m.can_edit, m.user.pk)):
        email = membership.user.email.lower()
        if email not in found:
            found.append(email)
    return found


def recipients(invitation: Invitation) -> list[str]:
    """Whom an invitation's e-mails go to: a prefecture's users (its address as set when there are none),
    a company its one address."""
    if invitation.organization is not None:
        return prefecture_recipients(invitation.organization) or [invitation.email]
    return [invitation.email]


@dataclass(frozen=True)
class PrefectureRow:
    prefecture: Organization
    invitation: Invitation | None
    can_answer: bool


def status_rows(user: AnyUser, questionnaire: Questionnaire, fiscal_year: int) -> list[PrefectureRow]:
    """Each prefecture the user follows (JPO: all 47; a bureau its block; a prefecture itself) with its
    invitation of the year, in two queries."""
    prefectures = Organization.objects.prefectures().select_related("bureau")
    if not sees_everything(user):
        own = organizations_where(user)
        prefectures = prefectures.filter(pk__in=[o.pk for o in own]) | prefectures.filter(
            bureau__in=[o.pk for o in own]
        )
    invitations = {
        i.organization_id: i
        for i in Invitation.objects.filter(
            questionnaire__code=questionnaire.code, fiscal_year=fiscal_year, organization__isnull=False
        ).select_related("questionnaire")
    }
    editable = {o.pk for o in organizations_where(user, roles=("editor", "admin"))}
    return [PrefectureRow(p, invitations.get(p.pk), p.pk in editable) for p in prefectures.order_by("jis_code")]
