"""The data's generation (データの世代): a value that changes whenever plan, case or membership data changes.

Every change goes through a writer that appends an entry to the audit chain in the change's own transaction,
while it holds the chain's head (so entries are numbered in the order they commit). The newest change entry's
number and hash therefore name the state of the data: a page fragment kept under them (with the day and the
viewer) is current by construction, and no write has to know which fragments to forget. One index seek.

Access entries (閲覧・出力の記録) are not changes: reading a case keeps every kept fragment.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import caches
from django.http import HttpRequest

from chizai.audit.models import AuditEntry


def data_generation() -> str:
    """The newest change entry's number and hash ("empty" before the first)."""
    newest = (
        AuditEntry.objects.filter(kind=AuditEntry.Kind.CHANGE).order_by("-pk").values_list("pk", "entry_hash").first()
    )
    return "empty" if newest is None else f"{newest[0]}-{newest[1][:16]}"


def request_generation(request: HttpRequest) -> str:
    """The data's generation as of the request's first question (read once per request)."""
    generation: str | None = getattr(request, "_chizai_generation", None)
    if generation is None:
        generation = data_generation()
        request._chizai_generation = generation  # type: ignore[attr-defined]
    return generation


def kept[T](request: HttpRequest, name: str, compute: Callable[[], T], *vary_on: object) -> T:
    """`compute()`, kept in the fragments cache under the data's generation, `name` and `vary_on` (the day, the
    viewer, a filter: whatever else the value depends on). None is never kept."""
    key = ":".join([name, request_generation(request), *(str(part) for part in vary_on)])
    cache = caches["fragments"]
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
