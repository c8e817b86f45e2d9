"""What an API token (APIトークン) may do and until when, kept beside DRF's own Token row."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from rest_framework.authtoken.models import Token


class TokenPolicy(models.Model):
    """The limits of one API token (APIトークンの有効期限と権限): its expiry and whether it may only read.

    A token without a policy row (one made outside chizai.api.actions) is refused: the rule fails closed.
    """

    token = models.OneToOneField(
        Token, on_delete=models.CASCADE, primary_key=True, related_name="policy", verbose_name="トークン"
    )
    expires_at = models.DateTimeField("有効期限")
    read_only = models.BooleanField("読み取り専用", default=False)

    class Meta:
        verbose_name = "APIトークンの設定"
        verbose_name_plural = "APIトークンの設定"

    def __str__(self) -> str:
        return f"{self.token.user} のAPIトークンの設定"

    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
