"""The hash chain of the audit log: what an entry's hash covers and how it links to the previous entry.

Each entry's `entry_hash` is SHA-256 (hex) over its canonical content and the previous entry's hash, so changing,
removing, inserting or reordering an entry breaks every hash after it (`chizai verify_audit` finds where).
The content is the entry's recorded facts as JSON with sorted keys; the `actor` link is left out because Django
clears it when a user is deleted — who acted is kept, and covered, in `actor_label`.
Migration 0002 holds a frozen copy of `entry_hash`: change the content only with a new migration that re-chains.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any, Protocol

GENESIS = "0" * 64


class Chained(Protocol):
    at: datetime.datetime
    actor_label: str
    action: str
    kind: str
    object_type: str
    object_id: str
    object_repr: str
    kpi_id: int | None
    plan_id: int | None
    changes: Any
    reason: str
    request_id: str
    previous_hash: str


def canonical(entry: Chained) -> str:
    """The entry's facts as one JSON text: sorted keys, no spaces, UTC time to the microsecond."""
    content = {
        "at": entry.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_label": entry.actor_label,
        "action": entry.action,
        "kind": entry.kind,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "kpi_id": entry.kpi_id,
        "plan_id": entry.plan_id,
        "changes": entry.changes,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: Chained) -> str:
    return hashlib.sha256(canonical(entry).encode()).hexdigest()
