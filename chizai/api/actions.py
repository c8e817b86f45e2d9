"""The writes of the API app: API tokens (APIトークン), issued, regenerated and revoked through one writer each.

Every change is audited against the token's user, never with the key: the key is the token's primary key and
whoever reads the audit log must not be able to use it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from chizai.api.models import TokenPolicy
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
    if token is None:
        return None
    policy = TokenPolicy.objects.filter(token=token).first()
    return {
        "user": token.user.get_username(),
        "created": token.created,
        "expires_at": policy.expires_at if policy else None,
        "read_only": policy.read_only if policy else None,
    }


def token_days_allowed() -> int:
    """The longest life a token may have, in days (API_TOKEN_DAYS, 90 unless the deployment says otherwise)."""
    return int(settings.API_TOKEN_DAYS)


def _expiry(days: int | None) -> datetime.datetime:
    longest = token_days_allowed()
    days = longest if days is None else days
    if not 1 <= days <= longest:
        raise ValidationError(f"有効期間は1日から{longest}日までの日数で指定してください。")
    return timezone.now() + datetime.timedelta(days=days)


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
def issue_token(
    *, user: AnyUser, actor: Actor, reason: str = "", days: int | None = None, read_only: bool = False
) -> Token:
    """A new token for the user, valid for `days` (at most API_TOKEN_DAYS, the default) and optionally
    read-only; an existing one stops working at once (regeneration). The caller shows its key once."""
    owner = _token_user(actor, user)
    expires_at = _expiry(days)
    old = Token.objects.select_for_update().filter(user=owner).first()
    before = _state(old)
    if old is not None:
        old.delete()
    token = Token.objects.create(user=owner)
    TokenPolicy.objects.create(token=token, expires_at=expires_at, read_only=read_only)
    action = "api.token.regenerated" if old is not None else "api.token.created"
    _log(actor, action, owner, before, _state(token), reason)
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


@transaction.atomic
def revoke_token_after_password_change(*, user: User) -> bool:
    """A changed password ends the user's API token too (a leaked token must not outlive a reset).

    Called by the system (chizai.api.apps registers it for every password change), not by a person."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    log(
        None,
        "api.token.revoked",
        TokenRecord(user),  # type: ignore[arg-type]
        _state(token),
        None,
        reason="パスワード変更",
        actor_label="パスワード変更",
    )
    token.delete()
    return True


def token_of(user: AnyUser) -> Token | None:
    """The user's current token (its key is never shown again after its creation)."""
    return Token.objects.filter(user=user).first() if isinstance(user, User) else None
