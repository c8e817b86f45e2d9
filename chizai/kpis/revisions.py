"""KPI revisions (KPIの見直し・改定): who may do what, which the user sees, and annotations for pages.

The writes (propose, report — which applies the revision —, withdraw) are in `chizai.kpis.actions`.

A prefecture revises its regional KPI when its industrial vision (産業振興ビジョン) changes and reports the
revision at its block's liaison meeting; a central KPI's revision is reported to every body (a Notice).
A reported revision changes the KPI from its effective year on: earlier years keep their targets, and
pages say what the old ones were (「令和6年度に目標改定（旧: 30件）」).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When, prefetch_related_objects
from django.http import Http404

from chizai.kpis.models import Kpi, KpiRevision, Notice, RevisionStatus
from chizai.lib.numbers import format_quantity
from chizai.lib.wareki import wareki_fiscal_year
from chizai.organizations.permissions import can_edit_organization, can_review_organization, scope_filter

NO_TARGET = "設定なし"


# --- Who may do what -------------------------------------------------------------------------------------


def can_propose(user: Any, kpi: Kpi) -> bool:
    """An editor or administrator of the KPI's owner (or a JPO administrator) proposes revisions."""
    return can_edit_organization(user, kpi.owner)


def may_report(user: Any, kpi: Kpi) -> bool:
    """The owner's bureau (reviewer/admin) or a JPO reviewer/admin reports a KPI's revisions."""
    return can_review_organization(user, kpi.owner)


def can_report(user: Any, revision: KpiRevision) -> bool:
    return revision.status == RevisionStatus.PROPOSED and may_report(user, revision.kpi)


def can_withdraw(user: Any, revision: KpiRevision) -> bool:
    return revision.status == RevisionStatus.PROPOSED and can_propose(user, revision.kpi)


def revisions_visible_to(user: Any) -> QuerySet[KpiRevision]:
    """Revisions of the KPIs the user may see (the permission chokepoint for revisions), pending first."""
    if not user.is_authenticated:
        return KpiRevision.objects.none()
    pending_first = Case(
        When(status=RevisionStatus.PROPOSED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        KpiRevision.objects.filter(scope_filter(user, field="kpi__owner"))
        .select_related("kpi", "kpi__owner", "kpi__owner__bureau", "kpi__plan", "proposed_by", "meeting")
        .order_by(pending_first, "-proposed_at", "-pk")
    )


def get_revision_for_user(user: Any, pk: int) -> KpiRevision:
    """The revision if the user may see its KPI; 404 otherwise."""
    revision = revisions_visible_to(user).filter(pk=pk).first()
    if revision is None:
        raise Http404("KPIの見直しが見つかりません。")
    return revision


def notices_for(user: Any) -> QuerySet[Notice]:
    """Notices are for every body: any signed-in user sees all of them, newest first."""
    if not user.is_authenticated:
        return Notice.objects.none()
    return Notice.objects.order_by("-published_at", "-pk")


# --- Numbers as revisions keep them ---------------------------------------------------------------------


def plain_number(value: Decimal | None) -> str | None:
    """A figure as stored in `target_changes`: "30", "12.5" (no exponent, no trailing zeros)."""
    return None if value is None else format(value.normalize(), "f")


# --- Reading revisions -----------------------------------------------------------------------------------


def _quantity(text: str | None, unit: str) -> str:
    return NO_TARGET if text is None else format_quantity(Decimal(text), unit)


def change_lines(revision: KpiRevision) -> list[str]:
    """What the revision changes, old → new, one line each: 「2024年度の目標: 30件 → 40件」."""
    unit = revision.kpi.unit
    lines = []
    if revision.new_name != revision.old_name:
        lines.append(f"指標名: {revision.old_name} → {revision.new_name}")
    if plain_number(revision.new_baseline_value) != plain_number(revision.old_baseline_value):
        old = _quantity(plain_number(revision.old_baseline_value), unit)
        lines.append(f"基準値: {old} → {_quantity(plain_number(revision.new_baseline_value), unit)}")
    return lines + target_change_lines(revision)


def target_change_lines(revision: KpiRevision) -> list[str]:
    kpi = revision.kpi
    return [
        f"{kpi.label_period(int(year), int(year))}の目標: {_quantity(old, kpi.unit)} → {_quantity(new, kpi.unit)}"
        for year, (old, new) in sorted(revision.target_changes.items())
    ]


def revisions_of(kpi: Kpi) -> list[KpiRevision]:
    """All revisions of the KPI, oldest effect first, loaded once per KPI object (one query)."""
    prefetch_related_objects([kpi], "revisions")
    return sorted(kpi.revisions.all(), key=lambda r: (r.effective_year, r.pk))


def applied_revisions(kpi: Kpi) -> list[KpiRevision]:
    return [r for r in revisions_of(kpi) if r.status == RevisionStatus.REPORTED]


def name_for_year(kpi: Kpi, year: int) -> str:
    """The KPI's wording in force in `year`: before a reported change of wording, the old wording."""
    for revision in applied_revisions(kpi):
        if revision.effective_year > year and revision.new_name != revision.old_name:
            return revision.old_name
    return kpi.name


def revision_note(kpi: Kpi, year: int) -> str | None:
    """「令和6年度に目標改定（旧: 30件）」 for a year whose target a reported revision changed."""
    for revision in reversed(applied_revisions(kpi)):
        change = revision.target_changes.get(str(year))
        if revision.effective_year <= year and change is not None:
            return f"{wareki_fiscal_year(revision.effective_year)}に目標改定（旧: {_quantity(change[0], kpi.unit)}）"
    return None


def revision_summary(kpi: Kpi) -> str | None:
    """The reported revisions in one phrase, for the plan-format report's 【目標】 line."""
    notes = []
    for revision in applied_revisions(kpi):
        era = wareki_fiscal_year(revision.effective_year)
        if revision.new_name != revision.old_name:
            notes.append(f"{era}に指標名を改定（旧: {revision.old_name}）")
        olds = {year: change[0] for year, change in sorted(revision.target_changes.items())}
        if len(set(olds.values())) == 1:
            notes.append(f"{era}に目標改定（旧: {_quantity(next(iter(olds.values())), kpi.unit)}）")
        elif olds:
            listed = "、".join(f"{kpi.label_period(int(y), int(y))} {_quantity(o, kpi.unit)}" for y, o in olds.items())
            notes.append(f"{era}に目標改定（旧: {listed}）")
    return "、".join(notes) or None
