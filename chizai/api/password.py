"""A changed password revokes the user's API token, whichever path changed it (own page, reset, admin, shell).

Django sends no signal for a password change, so the user row's save is watched: before it, the stored hash is
read (only for a save that may write the password); after it, a different hash revokes the token.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save

from chizai.api.actions import revoke_token_after_password_change

_CHANGED = "_chizai_password_changed"


def _note_password_change(sender: Any, instance: Any, update_fields: Any = None, raw: bool = False, **_: Any) -> None:
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    setattr(instance, _CHANGED, stored is not None and stored != instance.password)


def _revoke_after_password_change(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if not raw and getattr(instance, _CHANGED, False):
        setattr(instance, _CHANGED, False)
        revoke_token_after_password_change(user=instance)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_note_password_change, sender=user_model, dispatch_uid="chizai.api.password.note")
    post_save.connect(_revoke_after_password_change, sender=user_model, dispatch_uid="chizai.api.password.revoke")
