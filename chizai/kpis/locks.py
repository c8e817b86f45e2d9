"""Rules from higher layers that may refuse a write to a KPI figure, asked through one registry.

The KPI app sits below the PDCA cycle and the hands-on support cases, yet a figure that an accepted
self-evaluation reported (受理済み) or that is counted from cases must not be overwritten. Those apps register a
check here in their `AppConfig.ready()`; the KPI writers ask `lock_reason()` and never import the higher app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chizai.kpis.models import Kpi

# A check returns the Japanese reason the figure is locked, or None when it may be written.
LockCheck = Callable[["Kpi", int, int, str], "str | None"]

_checks: list[LockCheck] = []


def register_lock(check: LockCheck) -> None:
    """Register a lock rule (idempotent: the same function registered twice is asked once)."""
    if check not in _checks:
        _checks.append(check)


def lock_reason(kpi: Kpi, *, start_year: int, end_year: int, half: str) -> str | None:
    """Why this KPI figure may not be written now, or None when it may."""
    for check in _checks:
        reason = check(kpi, start_year, end_year, half)
        if reason is not None:
            return reason
    return None
