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
from collections.abc import Mapping
from json.encoder import encode_basestring, encode_basestring_ascii
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


def _content(entry: Chained) -> dict[str, Any]:
    """The facts the hash covers (FACTS below lists the same keys)."""
    return {
        "at": _time(entry.at),
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


def _time(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(entry: Chained) -> str:
    """The entry's facts as one JSON text: sorted keys, no spaces, UTC time to the microsecond."""
    return _dumps(_content(entry))


def entry_hash(entry: Chained) -> str:
    return hashlib.sha256(canonical(entry).encode()).hexdigest()


# --- entries worked out ahead ----------------------------------------------------------------------------
# A bulk writer builds its entries before its transaction and only learns inside it when they are written, the
# id of a row it inserts and the hash they follow. `template` renders everything else of the canonical text
# ahead; `chained_hash` completes it. The same text as `canonical`: json.dumps of a dict with sorted keys is its
# keys and values dumped one by one, in key order, joined by "," and ":". (FACTS: `_content`'s keys.)

LATE = ("at", "object_id", "previous_hash")  # in sorted key order, as they appear in the text
FACTS = sorted(
    (
        "at", "actor_label", "action", "kind", "object_type", "object_id", "object_repr", "kpi_id", "plan_id",
        "changes", "reason", "request_id", "previous_hash",
    )
)  # fmt: skip
KEYS = {key: _dumps(key) + ":" for key in FACTS}

Template = tuple[str, str, str, str]


def template(facts: Mapping[str, Any]) -> Template:
    """The canonical text of an entry with these facts (`canonical`'s keys; the LATE ones may be absent), cut
    around its time, object id and previous hash, which `chained_hash` fills in."""
    pieces: list[str] = []
    text = "{"
    for index, key in enumerate(FACTS):
        text += ("," if index else "") + KEYS[key]
        if key in LATE:
            pieces.append(text)
            text = ""
        else:
            text += _json(facts[key])
    pieces.append(text + "}")
    first, second, third, last = pieces
    return first, second, third, last


def _json(value: Any) -> str:
    """`_dumps(value)`, quicker for the plain texts and numbers most facts are, and for `changes`."""
    if type(value) is str:
        return encode_basestring(value)
    if type(value) is int:
        return str(value)
    if value is None:
        return "null"
    if type(value) is dict:
        text = changes_text(value, canonical=True)
        if text is not None:
            return text
    return _dumps(value)


def changes_text(changes: dict[str, Any], *, canonical: bool) -> str | None:
    """An entry's `changes` (field → [old, new] of texts, numbers, booleans or None) as JSON text, written out
    directly: `_dumps(changes)` when `canonical`, else `json.dumps(changes)` (what the JSON field stores: keys in
    their order, ASCII, the default separators). None when a value is of another shape (then use json itself).

    An import records one entry per row it writes; json's encoder costs more than the rest of the entry."""
    quote = encode_basestring if canonical else encode_basestring_ascii
    comma, colon = (",", ":") if canonical else (", ", ": ")
    parts = []
    for key, pair in sorted(changes.items()) if canonical else changes.items():
        if not isinstance(key, str) or type(pair) is not list:
            return None
        values = []
        for value in pair:
            if isinstance(value, str):  # a text choice (StrEnum) too: json writes its text
                values.append(quote(value))
            elif value is None:
                values.append("null")
            elif value is True or value is False:
                values.append("true" if value else "false")
            elif isinstance(value, int):
                values.append(int.__repr__(value))
            else:
                return None
        parts.append(quote(key) + colon + "[" + comma.join(values) + "]")
    return "{" + comma.join(parts) + "}"


def time_text(at: datetime.datetime) -> str:
    """The time as `chained_hash` takes it (once for every entry written at that time)."""
    return _dumps(_time(at))


def chained_hash(pieces: Template, at_text: str, object_id: str, previous_hash: str) -> str:
    """`entry_hash` of the entry `template` cut, written at `at_text` (from `time_text`)."""
    first, second, third, last = pieces
    # An id or a hash of letters and digits is its JSON text in quotes (the common case, and the fast one).
    object_text = f'"{object_id}"' if object_id.isascii() and object_id.isalnum() else _dumps(object_id)
    previous_text = (
        f'"{previous_hash}"' if previous_hash.isascii() and previous_hash.isalnum() else _dumps(previous_hash)
    )
    text = first + at_text + second + object_text + third + previous_text + last
    return hashlib.sha256(text.encode()).hexdigest()
