"""The writes of the API app: API tokens (APIトークン), issued, regenerated and revoked through one writer each.

Every change is audited against the token's user, never with the key: the key is the token's primary key and
whoever reads the audit log must not be able to use it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.authtoken.models import Token

from chizai.audit.log import log
from chizai.organizations.permissions import is_jpo_admin
from chizai.organizations.types import Actor, AnyUser


class TokenRecord:
    """The token as the audit log names it: by its user, never by its key (the key is the token's primary key)."""

    _meta = Token._meta

    def __init__(self, user: User) -> None:
        self.pk = user.pk
        self.username = user.get_username()

    def __str__(self) -> str:
        return f"{self.username} のAPIトークン"


def _state(token: Token | None) -> dict[str, Any] | None:
    return None if token is None else {"user": token.user.get_username(), "created": token.created}


def _token_user(actor: Actor, user: AnyUser) -> User:
    """The token's user; a user manages their own token, a JPO administrator (the admin site) anyone's."""
    if actor is None or not actor.is_authenticated or not isinstance(user, User):
        raise PermissionDenied("APIトークンを管理するにはログインしてください。")
    if actor.pk != user.pk and not is_jpo_admin(actor):
        raise PermissionDenied("他の利用者のAPIトークンを管理できるのは特許庁の管理者だけです。")
    return user


def _log(actor: Actor, action: str, user: User, before: Any, after: Any, reason: str) -> None:
    # TokenRecord stands in for the row so that the entry never holds the key.
    log(actor, action, TokenRecord(user), before, after, reason=reason)  # type: ignore[arg-type]


@transaction.atomic
def issue_token(*, user: AnyUser, actor: Actor, reason: str = "") -> Token:
    """A new token for the user; an existing one stops working at once (regeneration)."""
    owner = _token_user(actor, user)
    old = Token.objects.select_for_update().filter(user=owner).first()
    if old is not None:
        old.delete()
    token = Token.objects.create(user=owner)
    action = "api.token.regenerated" if old is not None else "api.token.created"
    _log(actor, action, owner, _state(old), _state(token), reason)
    return token


@transaction.atomic
def revoke_token(*, user: AnyUser, actor: Actor, reason: str = "") -> bool:
    """Revoke the user's token; False when there was none."""
    owner = _token_user(actor, user)
    token = Token.objects.select_for_update().filter(user=owner).first()
    if token is None:
        return False
    _log(actor, "api.token.revoked", owner, _state(token), None, reason)
    token.delete()
    return True


def token_of(user: AnyUser) -> Token | None:
    """The user's current token (its key is never shown again after its creation)."""
    return Token.objects.filter(user=user).first() if isinstance(user, User) else None
