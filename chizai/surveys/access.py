"""Who may see and do what with surveys: one getter per object type and the `can_*` rules.

Questionnaires are JPO's to design and send; a case's invitations and answers follow the case (those who see it
in full see its answers; its writers invite and type in answers); aggregated results are JPO's for all, a
bureau's for its block and a prefecture's for itself; free texts and raw answers follow the cases (or stay
anonymous).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from chizai.cases.access import FULL, can_write_case, case_access, get_case_for_user
from chizai.cases.models import SupportCase
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import is_jpo_writer, organizations_where, sees_everything
from chizai.organizations.types import AnyUser
from chizai.surveys.models import Questionnaire


def can_design(user: AnyUser) -> bool:
    return is_jpo_writer(user)


def can_see_results(user: AnyUser) -> bool:
    """Aggregated results: JPO all, a bureau its block's, a prefecture its own (see `results_scope`)."""
    return sees_everything(user) or bool(_result_bodies(user))


def _result_bodies(user: AnyUser) -> list[Organization]:
    kinds = (OrganizationKind.BUREAU, OrganizationKind.PREFECTURE)
    return [o for o in organizations_where(user) if o.kind in kinds]


def results_scope(user: AnyUser) -> Q:
    """Which answers count in the aggregates a user sees: JPO every answer; a bureau those of its block (an
    anonymous answer keeps its block); a prefecture its own municipal answer and those of companies located in
    it (never anonymous ones, which keep no prefecture). Aggregates only: rows go by `Response.visible_to`."""
    if sees_everything(user):
        return Q()
    scope = Q(pk__in=[])
    for body in _result_bodies(user):
        if body.kind == OrganizationKind.BUREAU:
            scope |= Q(block=body)
        else:
            scope |= Q(organization=body) | Q(case__company__prefecture=body)
    return scope


def text_rows_scope(user: AnyUser, questionnaire: Questionnaire) -> Q:
    """Whose free texts and raw answers a user may read: an anonymous questionnaire's within the results scope
    (listed without any identifying column), a named one's only of the cases the user sees in full and the
    municipal answers of the bodies the user sees (a bureau its block's prefectures, a prefecture itself)."""
    if questionnaire.anonymous or sees_everything(user):
        return results_scope(user)
    cases = SupportCase.objects.fully_visible_to(user).values("pk")
    return Q(case__in=cases) | Q(organization__in=Organization.objects.visible_to(user).values("pk"))


def can_export_answers(user: AnyUser, questionnaire: Questionnaire) -> bool:
    """Raw answers of an anonymous questionnaire leave the system only through JPO (a small block's rows with
    their month could point at a company); named answers go to whoever may read them (`text_rows_scope`)."""
    return sees_everything(user) if questionnaire.anonymous else can_see_results(user)


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
