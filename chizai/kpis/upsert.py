"""Audited upserts by natural key, shared by the loaders (plan files, demo data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chizai.audit.log import log
from chizai.kpis.models import Kpi, Plan


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0


class AuditedUpserter:
    """Creates, updates or deletes rows and audits exactly the rows whose values changed.

    A changed row gets a new `version` (so a form opened before the load reports a conflict).
    """

    def __init__(self, *, actor: Any, label: str, plan: Plan | None, counts: Any) -> None:
        self.actor = actor
        self.label = label
        self.plan = plan
        self.counts = counts

    def audit(self, action: str, obj: Any, before: Any, after: Any, kpi: Kpi | None = None) -> None:
        if kpi is None and isinstance(obj, Kpi):
            kpi = obj
        plan_id = obj.pk if isinstance(obj, Plan) else (self.plan.pk if self.plan else None)
        entry = log(
            self.actor,
            action,
            obj,
            before,
            after,
            kpi_id=kpi.pk if kpi else None,
            plan_id=plan_id,
            actor_label=self.label,
        )
        if entry is None:
            return
        if before is None:
            self.counts.created += 1
        elif after is None:
            self.counts.deleted += 1
        else:
            self.counts.updated += 1

    def upsert(
        self, existing: Any, model: Any, lookup: dict[str, Any], values: dict[str, Any], action: str, kpi: Kpi | None
    ) -> Any:
        if existing is None:
            obj = model.objects.create(**lookup, **values)
            self.audit(f"{action}.created", obj, None, obj.snapshot(), kpi)
            return obj
        if all(getattr(existing, name) == value for name, value in values.items()):
            return existing
        before = existing.snapshot()
        for name, value in values.items():
            setattr(existing, name, value)
        if hasattr(existing, "version"):
            existing.version += 1
        if hasattr(existing, "updated_at"):
            existing.updated_at = timezone.now()
        existing.save()
        self.audit(f"{action}.updated", existing, before, existing.snapshot(), kpi)
        return existing

    def remove(self, obj: Any, action: str, kpi: Kpi) -> None:
        self.audit(f"{action}.deleted", obj, obj.snapshot(), None, kpi)
        obj.delete()
