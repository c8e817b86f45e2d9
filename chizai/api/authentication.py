"""Token authentication with the token's limits: an expired token is refused (401), a read-only one may only read.

Both answers carry the API's JSON error shape through chizai.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from chizai.api.models import TokenPolicy

EXPIRED = "APIトークンの有効期限が切れています。APIトークンの画面（/api/token/）で再発行してください。"
READ_ONLY = "読み取り専用のAPIトークンでは登録・変更・削除はできません。"


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, Token] | None:
        result: Any = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if token.policy.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(READ_ONLY)
        return user, token

    def authenticate_credentials(self, key: str) -> tuple[AbstractBaseUser, Token]:
        token = Token.objects.select_related("user", "policy").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        try:
            policy = token.policy
        except TokenPolicy.DoesNotExist:
            policy = None
        if policy is None or policy.is_expired():
            raise exceptions.AuthenticationFailed(EXPIRED)
        return token.user, token
