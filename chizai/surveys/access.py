"""Who may see and do what with surveys: one getter per object type and the `can_*` rules.

Questionnaires are JPO's to design and send; a case's invitations and answers follow the case (those who see it
in full see its answers; its writers invite and type in answers); results are JPO's and each body's own.
"""

from __future__ import annotations

from django.http import Http404

from chizai.cases.access import FULL, can_write_case, case_access, get_case_for_user
from chizai.cases.models import SupportCase
from chizai.organizations.permissions import is_jpo_writer, sees_everything
from chizai.organizations.types import AnyUser
from chizai.surveys.models import Questionnaire


def can_design(user: AnyUser) -> bool:
    return is_jpo_writer(user)


def can_see_results(user: AnyUser) -> bool:
    """Results across bodies (shares, free texts of anonymous answers) are JPO's; bodies see their cases' answers."""
    return sees_everything(user)


def get_questionnaire_for_user(user: AnyUser, pk: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.visible_to(user).filter(pk=pk).first()
    if questionnaire is None:
        raise Http404("調査票が見つかりません。")
    return questionnaire


def get_case_for_answers(user: AnyUser, pk: int) -> SupportCase:
    """The case whose survey answers the user may read: only with full access to the case (a referrer sees the
    stage of a case, not what its company answered)."""
    case = get_case_for_user(user, pk)
    if case_access(user, case) != FULL:
        raise Http404("支援事例が見つかりません。")
    return case


def can_invite(user: AnyUser, case: SupportCase) -> bool:
    return can_write_case(user, case)
