"""Who may write a self-evaluation's texts: asked by the writers and by the transition table alike."""

from __future__ import annotations

from chizai.organizations.permissions import can_edit_organization
from chizai.organizations.types import AnyUser
from chizai.pdca.models import SelfEvaluation


def writes_for(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    """Whether the user writes for the evaluation's organisation (its editors; JPO administrators)."""
    return can_edit_organization(user, evaluation.organization)


def can_edit(user: AnyUser, evaluation: SelfEvaluation) -> bool:
    """Write the texts and ratings: the organisation's editors, while the evaluation is with it."""
    return evaluation.is_editable and writes_for(user, evaluation)
