"""allauth's adapters: no self-signup (users are invited by their organisation's administrator), and a user who
must use a second factor cannot remove their last one."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest

from chizai.organizations.permissions import needs_second_factor

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def second_factor_required(user: Any) -> bool:
    """Whether this user must have a second factor now (the setting, then the role rule)."""
    return bool(settings.CHIZAI_MFA_REQUIRED) and needs_second_factor(user)


def has_second_factor(user: Any) -> bool:
    return bool(Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists())


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]  # allauth ships no types
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in SECOND_FACTORS or not second_factor_required(authenticator.user):
            return True
        others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=SECOND_FACTORS)
        return bool(others.exclude(pk=authenticator.pk).exists())
