"""Template tags for KPI revisions and notices: annotations of revised years, the notices box."""

from __future__ import annotations

from typing import Any

from django import template

from chizai.kpis import revisions
from chizai.kpis.models import Kpi, KpiRevision, Notice, RevisionStatus

register = template.Library()

STATUS_CLASSES = {
    RevisionStatus.PROPOSED: "in_progress",
    RevisionStatus.REPORTED: "achieved",
    RevisionStatus.WITHDRAWN: "not_evaluable",
}


@register.simple_tag
def revision_note(kpi: Kpi, year: int) -> str | None:
    """「令和6年度に目標改定（旧: 30件）」 for a year whose target was revised."""
    return revisions.revision_note(kpi, year)


@register.simple_tag
def name_for_year(kpi: Kpi, year: int) -> str:
    return revisions.name_for_year(kpi, year)


@register.simple_tag
def kpi_revisions(kpi: Kpi) -> list[KpiRevision]:
    """Every revision of the KPI (proposed, reported, withdrawn), oldest effect first."""
    return revisions.revisions_of(kpi)


@register.simple_tag(takes_context=True)
def latest_notices(context: dict[str, Any], count: int = 3) -> list[Notice]:
    return list(revisions.notices_for(context["request"].user)[:count])


@register.filter
def revision_status_class(revision: KpiRevision) -> str:
    """The `status-*` class of a revision's status badge."""
    return STATUS_CLASSES[RevisionStatus(revision.status)]
