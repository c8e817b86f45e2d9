"""`log()`: the one way plan data changes are recorded. Call it inside the action's transaction.

Every entry is appended to the hash chain here (chizai.audit.chain): the writer locks the chain's head row,
links its entries one after another in Python and moves the head, all in the caller's transaction, so two
writers never link to the same predecessor. `log_access` records who viewed or exported company data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.utils import timezone

from chizai.audit import chain
from chizai.audit.bulk import Inserter, insert_rows
from chizai.audit.context import current_request_id
from chizai.audit.models import AuditChainHead, AuditEntry
from chizai.organizations.types import Actor


def _plain(value: Any) -> Any:
    if value is None or type(value) is str:
        return value  # the common case, first: a bulk write records millions of values
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
        save_entries([entry])
    return entry


def log_access(actor: Actor, action: str, obj_or_label: models.Model | str, *, detail: str = "") -> AuditEntry:
    """Record that `actor` viewed or exported company data (`cases.case.viewed`, `cases.case_list.exported`).

    `obj_or_label` is the row viewed, or for a list or an export a label of what it covered; `detail` (such as the
    filter of an export) goes to the entry's reason. Access entries carry no changes and are chained like the rest.
    """
    user = actor if isinstance(actor, User) else None
    if isinstance(obj_or_label, models.Model):
        object_type, object_id, label = obj_or_label._meta.label_lower, str(obj_or_label.pk), str(obj_or_label)
    else:
        object_type, object_id, label = "", "", obj_or_label
    entry = AuditEntry(
        actor=user,
        actor_label=user.get_username() if user else "システム",
        action=action,
        kind=AuditEntry.Kind.ACCESS,
        object_type=object_type,
        object_id=object_id,
        object_repr=label[:300],
        changes={},
        reason=detail,
        request_id=current_request_id.get(),
    )
    save_entries([entry])
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
        at=timezone.now(),
    )


def save_entries(entries: Iterable[AuditEntry | None]) -> list[AuditEntry]:
    """Save the entries `build_entry` made (None: nothing changed) in one query: the bulk variant of `log`.

    The chain's head is locked once for the whole batch.
    """
    batch = [entry for entry in entries if entry is not None]
    if not batch:
        return []
    if connection.in_atomic_block:
        return _append(batch)
    with transaction.atomic():
        return _append(batch)


def _append(batch: list[AuditEntry]) -> list[AuditEntry]:
    head = _locked_head()
    previous = head.last_hash
    for entry in batch:
        entry.previous_hash = previous
        entry.entry_hash = previous = chain.entry_hash(entry)
    AuditChainHead.objects.filter(pk=head.pk).update(last_hash=previous, entries=head.entries + len(batch))
    return list(insert_rows(AuditEntry, batch))


# --- entries worked out before the write's transaction -----------------------------------------------------


class Keyed(Protocol):
    """A row, or a stand-in for one, whose primary key is known once it is inserted."""

    pk: Any


@dataclass(slots=True)
class Draft:
    """An audit entry a bulk writer works out before its transaction (`draft`): the row as it will be inserted,
    but for the time, the object id of a row not inserted yet (`source`) and the chain, which `save_drafts`
    fills in inside the transaction."""

    values: list[Any]
    pieces: chain.Template
    source: Keyed | None


def draft(
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    inserter: Inserter[AuditEntry],
    kpi_id: int | None = None,
    plan_id: int | None = None,
    reason: str = "",
    actor_label: str = "",
) -> Draft | None:
    """The entry `build_entry` would make, as a `Draft` (None when nothing changed); `obj` may be a row still to be
    inserted. Laid out straight as its row and its canonical text: no model instance for each of many entries."""
    source = obj if obj.pk is None else None
    return draft_row(
        Drafter(actor, inserter, reason=reason, actor_label=actor_label),
        action,
        obj._meta.label_lower,
        "" if source is not None else str(obj.pk),
        str(obj),
        before,
        after,
        kpi_id=kpi_id,
        plan_id=plan_id,
        source=source,
    )


class Drafter:
    """What every entry of one bulk write shares (who, why, the request), worked out once for all its drafts."""

    __slots__ = ("actor_id", "actor_label", "inserter", "pieces", "reason", "request_id")

    def __init__(self, actor: Any, inserter: Inserter[AuditEntry], *, reason: str = "", actor_label: str = "") -> None:
        user = actor if getattr(actor, "is_authenticated", False) else None
        self.actor_id = user.pk if user else None
        self.actor_label = actor_label or (user.get_username() if user else "システム")
        self.inserter = inserter
        self.reason = reason
        self.request_id = current_request_id.get()
        self.pieces: dict[str, str] = {}  # one copy of each piece of canonical text the drafts share

    def shared(self, pieces: chain.Template) -> chain.Template:
        """The pieces, with the first and the last held once: the entries of one write share them (the action, who,
        why), which would otherwise be held 100,000 times over until the transaction."""
        first, second, third, last = pieces
        return self.pieces.setdefault(first, first), second, third, self.pieces.setdefault(last, last)


CHANGE = AuditEntry.Kind.CHANGE.value


def draft_row(
    drafter: Drafter,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    kpi_id: int | None,
    plan_id: int | None,
    source: Keyed | None = None,
) -> Draft | None:
    """`draft` from the entry's facts (None when nothing changed): the form a bulk writer uses to record thousands
    of rows it never makes model instances of. `source` is a row inserted later, whose id becomes the object id."""
    changes = diff(before, after)
    if not changes:
        return None
    facts = {
        "at": None,
        "actor_id": drafter.actor_id,
        "actor_label": drafter.actor_label,
        "action": action,
        "kind": CHANGE,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr[:300],
        "kpi_id": kpi_id,
        "plan_id": plan_id,
        "changes": changes,
        "reason": drafter.reason,
        "request_id": drafter.request_id,
        "previous_hash": "",
        "entry_hash": "",
    }
    values = drafter.inserter.row(facts, json=_STORED_JSON)
    return Draft(values, drafter.shared(chain.template(facts)), source)


def _stored_json(changes: dict[str, list[Any]]) -> str | None:
    return chain.changes_text(changes, canonical=False)


_STORED_JSON = {"changes": _stored_json}


def entry_inserter() -> Inserter[AuditEntry]:
    """What `draft` needs to lay out an entry's row (one for all the drafts of a write)."""
    return Inserter(AuditEntry)


def save_drafts(drafts: Sequence[Draft], inserter: Inserter[AuditEntry]) -> int:
    """Append the drafts to the chain, in order, all written at one time; call it inside the write's transaction,
    after the rows they describe are inserted. Returns how many were saved."""
    if not drafts:
        return 0
    at = timezone.now()
    at_value, at_text = inserter.adapt("at", at), chain.time_text(at)
    slots = [inserter.index(name) for name in ("at", "object_id", "previous_hash", "entry_hash")]
    at_slot, id_slot, previous_slot, hash_slot = slots
    head = _locked_head()
    previous = head.last_hash
    rows = []
    for item in drafts:
        values = item.values
        if item.source is not None:
            values[id_slot] = str(item.source.pk)
        values[at_slot] = at_value
        values[previous_slot] = previous
        values[hash_slot] = previous = chain.chained_hash(item.pieces, at_text, values[id_slot], previous)
        rows.append(values)
    AuditChainHead.objects.filter(pk=head.pk).update(last_hash=previous, entries=head.entries + len(rows))
    inserter.run(rows)
    return len(rows)


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # a fresh or flushed database: the chain starts (again) after its last entry, if any
        last = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first()
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": last or chain.GENESIS, "entries": AuditEntry.objects.count()}
        )
    return head
