"""Who may do what with a self-evaluation: the permission chokepoint of the PDCA workflow."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from chizai.organizations.models import OrganizationKind
from chizai.organizations.permissions import REVIEW_ROLES, can_edit_organization, memberships
from chizai.pdca.models import EDITABLE_STATUSES, SelfEvaluation, Status


def _reviews_as(user: Any, kind: str) -> list[Any]:
    return [m.organization for m in memberships(user) if m.organization.kind == kind and m.role in REVIEW_ROLES]


def is_jpo_reviewer(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or _reviews_as(user, OrganizationKind.JPO))


def is_block_reviewer(user: Any, evaluation: SelfEvaluation) -> bool:
    bureau_id = evaluation.organization.bureau_id
    return bureau_id is not None and any(b.pk == bureau_id for b in _reviews_as(user, OrganizationKind.BUREAU))


def can_edit(user: Any, evaluation: SelfEvaluation) -> bool:
    return evaluation.is_editable and can_edit_organization(user, evaluation.organization)


def can_submit(user: Any, evaluation: SelfEvaluation) -> bool:
    return can_edit(user, evaluation)


def can_review(user: Any, evaluation: SelfEvaluation) -> bool:
    """The block's bureau confirms a submitted evaluation (局確認)."""
    return (
        evaluation.status == Status.SUBMITTED and evaluation.needs_bureau_review and is_block_reviewer(user, evaluation)
    )


def can_accept(user: Any, evaluation: SelfEvaluation) -> bool:
    """JPO accepts what the bureau confirmed (or, for central bodies, what was submitted)."""
    ready = Status.REVIEWED if evaluation.needs_bureau_review else Status.SUBMITTED
    return evaluation.status == ready and is_jpo_reviewer(user)


def can_return(user: Any, evaluation: SelfEvaluation) -> bool:
    """Any reviewer up the chain may return it with a comment while it waits for them."""
    if evaluation.status == Status.SUBMITTED:
        return is_block_reviewer(user, evaluation) or is_jpo_reviewer(user)
    if evaluation.status == Status.REVIEWED:
        return is_jpo_reviewer(user)
    return False


def can_reopen(user: Any, evaluation: SelfEvaluation) -> bool:
    return evaluation.status == Status.ACCEPTED and is_jpo_reviewer(user)


def get_evaluation_for_user(user: Any, pk: int) -> SelfEvaluation:
    """The self-evaluation if the user may see it; 404 otherwise (drafts stay with their organisation)."""
    evaluation = (
        SelfEvaluation.objects.visible_to(user)
        .select_related("period", "period__plan", "organization", "organization__bureau")
        .filter(pk=pk)
        .first()
    )
    if evaluation is None:
        raise Http404("自己評価が見つかりません。")
    return evaluation


__all__ = ["EDITABLE_STATUSES"]
