"""Who may see and record a liaison meeting: the permission chokepoint of meetings.

Everyone in the bureau's block (the bureau, its prefectures, INPIT windows and support bodies), JPO and INPIT
(which attends every meeting) may read a meeting (`LiaisonMeeting.objects.visible_to`). A reviewer or
administrator of the hosting bureau, or a JPO reviewer or administrator, may register and record it. The role
rules themselves are chizai.organizations.permissions'.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from chizai.meetings.models import LiaisonMeeting
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import REVIEW_ROLES, can_review_organization, is_jpo_reviewer, organizations_where
from chizai.organizations.types import AnyUser

NOT_FOUND_MESSAGE = "地域連絡会議が見つかりません。"
NOT_ALLOWED_MESSAGE = "この地域連絡会議を編集する権限がありません（主催局または特許庁の審査者・管理者のみ）。"
REGISTER_NOT_ALLOWED_MESSAGE = "地域連絡会議を登録できるのは、経済産業局等または特許庁の審査者・管理者です。"


def can_record_for(user: AnyUser, bureau: Organization) -> bool:
    """Whether the user may register and record meetings hosted by `bureau` (its reviewers, JPO reviewers)."""
    return bureau.kind == OrganizationKind.BUREAU and can_review_organization(user, bureau)


def can_record(user: AnyUser, meeting: LiaisonMeeting) -> bool:
    """Whether the user may record the meeting: attendance, minutes, decisions, its date and venue."""
    return can_record_for(user, meeting.bureau)


def manageable_bureaus(user: AnyUser) -> QuerySet[Organization]:
    """The bureaus whose meetings the user may register."""
    bureaus = Organization.objects.bureaus()
    if is_jpo_reviewer(user):
        return bureaus
    return bureaus.filter(pk__in=[o.pk for o in organizations_where(user, REVIEW_ROLES)])


def can_register(user: AnyUser) -> bool:
    """Whether the user may register a meeting of some block."""
    if is_jpo_reviewer(user):
        return True
    return any(o.kind == OrganizationKind.BUREAU for o in organizations_where(user, REVIEW_ROLES))


def get_meeting_for_user(user: AnyUser, pk: int, *, write: bool = False) -> LiaisonMeeting:
    """The meeting if the user may see it (404 otherwise) and, when `write`, record it (403 otherwise)."""
    visible = LiaisonMeeting.objects.visible_to(user).select_related("bureau", "plan", "agenda_snapshot")
    meeting = visible.filter(pk=pk).first()
    if meeting is None:
        raise Http404(NOT_FOUND_MESSAGE)
    if write and not can_record(user, meeting):
        raise PermissionDenied(NOT_ALLOWED_MESSAGE)
    return meeting
