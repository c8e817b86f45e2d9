"""Sign-in events: when a session began (for its 8-hour cap) and lockouts, which go to the audit log."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction

from chizai.audit.log import log

SIGNED_IN_AT = "_chizai_signed_in_at"


def _note_sign_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = int(time.time())


def _audit_lockout(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **_: Any
) -> None:
    user = get_user_model().objects.filter(username__iexact=username).first() if username else None
    if user is None:
        return  # an unknown name: nothing of ours to attach it to (axes keeps the attempt itself)
    with transaction.atomic():
        log(
            None,
            "user.locked_out",
            user,
            {"locked_out": False},
            {"locked_out": True, "ip_address": ip_address},
            reason="サインインの連続失敗",
            actor_label="django-axes",
        )


def connect() -> None:
    user_logged_in.connect(_note_sign_in, dispatch_uid="chizai.accounts.note_sign_in")
    user_locked_out.connect(_audit_lockout, dispatch_uid="chizai.accounts.audit_lockout")
