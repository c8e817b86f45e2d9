"""Rules from higher layers that may refuse a write to a KPI figure, asked through one registry.

The KPI app sits below the PDCA cycle and the hands-on support cases, yet a figure that an accepted
self-evaluation reported (受理済み) or that is counted from cases must not be overwritten. Those apps register a
check here in their `AppConfig.ready()`; the KPI writers ask `lock_reason()` (or `lock_reasons()` for many
figures at once) and never import the higher app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chizai.kpis.models import Kpi

# A check returns the Japanese reason the figure is locked, or None when it may be written.
LockCheck = Callable[["Kpi", int, int, str], "str | None"]
# The same check for many figures (kpi, start year, end year, half) in a fixed number of queries.
Figure = tuple["Kpi", int, int, str]
BulkLockCheck = Callable[[Sequence[Figure]], "list[str | None]"]

_checks: list[tuple[LockCheck, BulkLockCheck | None]] = []


def register_lock(check: LockCheck, *, bulk: BulkLockCheck | None = None) -> None:
    """Register a lock rule (idempotent: the same function registered twice is asked once).

    `bulk`, when given, answers for many figures at once; imports and loaders use it instead of asking
    `check` once per figure.
    """
    if all(check is not registered for registered, _ in _checks):
        _checks.append((check, bulk))


def lock_reason(kpi: Kpi, *, start_year: int, end_year: int, half: str) -> str | None:
    """Why this KPI figure may not be written now, or None when it may."""
    for check, _ in _checks:
        reason = check(kpi, start_year, end_year, half)
        if reason is not None:
            return reason
    return None


def lock_reasons(figures: Sequence[Figure]) -> list[str | None]:
    """`lock_reason` for each figure, in order."""
    reasons: list[str | None] = [None] * len(figures)
    if not figures:
        return reasons
    for check, bulk in _checks:
        answers = bulk(figures) if bulk is not None else [check(*figure) for figure in figures]
        reasons = [mine if mine is not None else theirs for mine, theirs in zip(reasons, answers, strict=True)]
    return reasons
