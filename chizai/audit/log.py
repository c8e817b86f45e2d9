"""`log()`: the one way plan data changes are recorded. Call it inside the action's transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from chizai.audit.context import current_request_id
from chizai.audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """Field → [old, new] for every field whose value differs."""
    before = before or {}
    after = after or {}
    changes: dict[str, list[Any]] = {}
    for field in dict.fromkeys([*before, *after]):
        old, new = _plain(before.get(field)), _plain(after.get(field))
        if old in ("", None) and new in ("", None):
            continue  # an empty text and no value at all mean the same to the reader
        if old != new:
            changes[field] = [old, new]
    return changes


def log(
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    kpi_id: int | None = None,
    plan_id: int | None = None,
    reason: str = "",
    actor_label: str = "",
) -> AuditEntry | None:
    """Record a change; returns None (and records nothing) when nothing changed."""
    entry = build_entry(
        actor, action, obj, before, after, kpi_id=kpi_id, plan_id=plan_id, reason=reason, actor_label=actor_label
    )
    if entry is not None:
        entry.save()
    return entry


def build_entry(
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    kpi_id: int | None = None,
    plan_id: int | None = None,
    reason: str = "",
    actor_label: str = "",
) -> AuditEntry | None:
    """The unsaved entry `log` would write (None when nothing changed), for bulk writers such as imports.

    Save them with `save_entries` inside the same transaction as the change.
    """
    changes = diff(before, after)
    if not changes:
        return None
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = actor_label or (user.get_username() if user else "システム")
    return AuditEntry(
        actor=user,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        kpi_id=kpi_id,
        plan_id=plan_id,
        changes=changes,
        reason=reason,
        request_id=current_request_id.get(),
    )


def save_entries(entries: Iterable[AuditEntry | None]) -> list[AuditEntry]:
    """Save the entries `build_entry` made (None: nothing changed) in one query: the bulk variant of `log`."""
    return AuditEntry.objects.bulk_create([entry for entry in entries if entry is not None])
