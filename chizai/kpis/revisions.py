"""KPI revisions (KPIの見直し・改定): propose, report (which applies them) and withdraw; annotations for pages.

A prefecture revises its regional KPI when its industrial vision (産業振興ビジョン) changes and reports the
revision at its block's liaison meeting; a central KPI's revision is reported to every body (a Notice).
A reported revision changes the KPI from its effective year on: earlier years keep their targets, and
pages say what the old ones were (「令和6年度に目標改定（旧: 30件）」).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from chizai.audit.log import log
from chizai.kpis.models import Kpi, KpiRevision, Notice, RevisionStatus, Target
from chizai.lib.numbers import format_quantity
from chizai.lib.wareki import wareki_fiscal_year
from chizai.organizations.permissions import can_edit_organization, can_review_organization, scope_filter

if TYPE_CHECKING:
    from chizai.meetings.models import LiaisonMeeting

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


# --- The writes ------------------------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str | None:
    """A figure as stored in `target_changes`: "30", "12.5" (no exponent, no trailing zeros)."""
    return None if value is None else format(value.normalize(), "f")


def _check_effective_year(kpi: Kpi, effective_year: int) -> None:
    if effective_year not in kpi.plan.fiscal_years:
        raise ValidationError(
            {"effective_year": f"適用開始年度は計画期間（{kpi.plan.period_label}）の年度から選んでください。"}
        )


def _single_year_targets(kpi: Kpi) -> dict[int, Target]:
    return {t.start_year: t for t in Target.objects.filter(kpi=kpi, end_year=F("start_year"))}


def _target_changes(
    kpi: Kpi, effective_year: int, new_targets: Mapping[int, Decimal | None]
) -> dict[str, list[str | None]]:
    current = _single_year_targets(kpi)
    changes: dict[str, list[str | None]] = {}
    for year, value in sorted(new_targets.items()):
        if year < effective_year:
            raise ValidationError(f"適用開始年度より前（{kpi.label_period(year, year)}）の目標は変更できません。")
        old = _plain(current[year].value) if year in current else None
        if _plain(value) != old:
            changes[str(year)] = [old, _plain(value)]
    return changes


@transaction.atomic
def propose_revision(
    *,
    kpi: Kpi,
    effective_year: int,
    new_name: str,
    new_baseline_value: Decimal | None,
    new_targets: Mapping[int, Decimal | None],
    vision_change: str,
    actor: Any,
) -> KpiRevision:
    """Record a proposed revision with the KPI's current wording, baseline and targets; the KPI is unchanged.

    `new_targets` maps years (≥ the effective year) to the new target (None: no target); an empty
    `new_name` or a None baseline means "unchanged".
    """
    if not can_propose(actor, kpi):
        raise PermissionDenied("このKPIの見直しを提案する権限がありません。")
    _check_effective_year(kpi, effective_year)
    if not vision_change.strip():
        raise ValidationError({"vision_change": "見直しの理由（産業振興ビジョンの改定等）を入力してください。"})
    new_name = new_name.strip() or kpi.name
    baseline = kpi.baseline_value if new_baseline_value is None else new_baseline_value
    changes = _target_changes(kpi, effective_year, new_targets)
    if new_name == kpi.name and _plain(baseline) == _plain(kpi.baseline_value) and not changes:
        raise ValidationError("変更点がありません。指標名・基準値・目標のいずれかを変更してください。")
    revision = KpiRevision.objects.create(
        kpi=kpi,
        effective_year=effective_year,
        old_name=kpi.name,
        new_name=new_name,
        old_baseline_value=kpi.baseline_value,
        new_baseline_value=baseline,
        target_changes=changes,
        vision_change=vision_change.strip(),
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(actor, "kpi.revision.proposed", revision, None, _snapshot(revision))
    return revision


@transaction.atomic
def report_revision(*, revision: KpiRevision, actor: Any, meeting: LiaisonMeeting | None = None) -> KpiRevision:
    """Mark a proposed revision as reported and apply it to the KPI from its effective year on.

    A regional KPI's revision is reported at a liaison meeting of the owner's block (`meeting`); a central
    KPI's revision is announced to every body with a Notice.
    """
    revision = _locked(revision)
    if not may_report(actor, revision.kpi):
        raise PermissionDenied("この見直しを報告済みにする権限がありません。")
    if revision.status != RevisionStatus.PROPOSED:
        raise ValidationError("提案中の見直しだけを報告済みにできます。")
    _check_meeting(revision, meeting)
    before = _snapshot(revision)
    _apply(revision, actor)
    revision.status = RevisionStatus.REPORTED
    revision.reported_at = timezone.now()
    revision.meeting = meeting
    revision.save(update_fields=["status", "reported_at", "meeting"])
    reason = f"{meeting}で報告" if meeting is not None else ""
    _audit(actor, "kpi.revision.reported", revision, before, _snapshot(revision), reason=reason)
    if revision.kpi.owner.is_central:
        _publish_notice(revision)
    return revision


@transaction.atomic
def withdraw_revision(*, revision: KpiRevision, actor: Any) -> KpiRevision:
    """Withdraw a proposed revision (取下げ); the KPI stays as it is."""
    revision = _locked(revision)
    if not can_propose(actor, revision.kpi):
        raise PermissionDenied("この見直しを取り下げる権限がありません。")
    if revision.status != RevisionStatus.PROPOSED:
        raise ValidationError("提案中の見直しだけを取り下げられます。")
    before = _snapshot(revision)
    revision.status = RevisionStatus.WITHDRAWN
    revision.save(update_fields=["status"])
    _audit(actor, "kpi.revision.withdrawn", revision, before, _snapshot(revision))
    return revision


def _locked(revision: KpiRevision) -> KpiRevision:
    return (
        KpiRevision.objects.select_for_update(of=("self",))
        .select_related("kpi", "kpi__plan", "kpi__owner", "kpi__owner__bureau", "kpi__parent")
        .get(pk=revision.pk)
    )


def _snapshot(revision: KpiRevision) -> dict[str, Any]:
    """The revision as the audit log keeps it: target changes as one readable line, not a nested dict."""
    data = revision.snapshot()
    data["target_changes"] = "、".join(target_change_lines(revision)) or None
    return data


def _audit(
    actor: Any, action: str, obj: Any, before: dict[str, Any] | None, after: dict[str, Any], reason: str = ""
) -> None:
    kpi = obj if isinstance(obj, Kpi) else obj.kpi
    log(actor, action, obj, before, after, kpi_id=kpi.pk, plan_id=kpi.plan_id, reason=reason)


def _check_meeting(revision: KpiRevision, meeting: LiaisonMeeting | None) -> None:
    kpi = revision.kpi
    if meeting is None or kpi.owner.is_central:
        return
    if meeting.bureau_id != kpi.owner.bureau_id:
        block = kpi.owner.bureau.block_name if kpi.owner.bureau else ""
        raise ValidationError(f"この見直しは{block}ブロックの地域連絡会議で報告してください。")
    if meeting.plan_id != kpi.plan_id:
        raise ValidationError("報告する地域連絡会議の計画が、KPIの計画と異なります。")


def _conflict(what: str) -> ValidationError:
    return ValidationError(f"提案の後に{what}が変更されています。この見直しを取り下げて、改めて提案してください。")


def _apply(revision: KpiRevision, actor: Any) -> None:
    kpi = revision.kpi
    reason = f"KPIの見直し（{wareki_fiscal_year(revision.effective_year)}から）: {revision.vision_change}"
    targets = {t.start_year: t for t in Target.objects.select_for_update().filter(kpi=kpi, end_year=F("start_year"))}
    for year_text, (old, new) in sorted(revision.target_changes.items()):
        year = int(year_text)
        target = targets.get(year)
        if _plain(target.value if target else None) != old:
            raise _conflict(f"{kpi.label_period(year, year)}の目標")
        _write_target(kpi, year, target, new, actor, reason)
    _write_kpi(revision, actor, reason)


def _write_target(kpi: Kpi, year: int, target: Target | None, new: str | None, actor: Any, reason: str) -> None:
    if target is None and new is not None:
        target = Target.objects.create(kpi=kpi, start_year=year, end_year=year, value=Decimal(new))
        _audit(actor, "kpi.target.created", target, None, target.snapshot(), reason=reason)
    elif target is not None and new is None:
        _audit(actor, "kpi.target.deleted", target, target.snapshot(), None, reason=reason)
        target.delete()
    elif target is not None and new is not None:
        before = target.snapshot()
        # The value no longer comes from the plan file: it was revised.
        target.value, target.from_plan_file, target.version = Decimal(new), False, target.version + 1
        target.save(update_fields=["value", "from_plan_file", "version"])
        _audit(actor, "kpi.target.updated", target, before, target.snapshot(), reason=reason)


def _write_kpi(revision: KpiRevision, actor: Any, reason: str) -> None:
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("owner", "parent").get(pk=revision.kpi_id)
    before = kpi.snapshot()
    if revision.new_name != revision.old_name:
        if kpi.name != revision.old_name:
            raise _conflict("指標名")
        kpi.name = revision.new_name
    if _plain(revision.new_baseline_value) != _plain(revision.old_baseline_value):
        if _plain(kpi.baseline_value) != _plain(revision.old_baseline_value):
            raise _conflict("基準値")
        kpi.baseline_value = revision.new_baseline_value
    if kpi.snapshot() == before:
        return
    kpi.version += 1
    kpi.save(update_fields=["name", "baseline_value", "version"])
    _audit(actor, "kpi.updated", kpi, before, kpi.snapshot(), reason=reason)
    revision.kpi = kpi


def _publish_notice(revision: KpiRevision) -> Notice:
    kpi = revision.kpi
    title = f"中央KPIの見直し: {kpi.short_name}（{wareki_fiscal_year(revision.effective_year)}から）"
    body = "\n".join(
        [
            f"{kpi.owner.name}の「{kpi.short_name}」の見直しが報告されました。"
            f"{wareki_fiscal_year(revision.effective_year)}（{revision.effective_year}年度）から適用します。",
            *(f"・{line}" for line in change_lines(revision)),
            f"見直しの理由: {revision.vision_change}",
        ]
    )
    return Notice.objects.create(title=title[:200], body=body, revision=revision)


# --- Reading revisions -----------------------------------------------------------------------------------


def _quantity(text: str | None, unit: str) -> str:
    return NO_TARGET if text is None else format_quantity(Decimal(text), unit)


def change_lines(revision: KpiRevision) -> list[str]:
    """What the revision changes, old → new, one line each: 「2024年度の目標: 30件 → 40件」."""
    unit = revision.kpi.unit
    lines = []
    if revision.new_name != revision.old_name:
        lines.append(f"指標名: {revision.old_name} → {revision.new_name}")
    if _plain(revision.new_baseline_value) != _plain(revision.old_baseline_value):
        old = _quantity(_plain(revision.old_baseline_value), unit)
        lines.append(f"基準値: {old} → {_quantity(_plain(revision.new_baseline_value), unit)}")
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
