"""The writes of the PDCA cycle: the one writer of each row type the app owns.

Each is transactional, permission-checked and audited. The workflow state of a self-evaluation moves only
through `chizai.workflow.transition()` with the table in `chizai.pdca.rules`; the functions named after its
steps (`submit_evaluation` …) are that call, and the Transition row and the acceptance snapshot are written by
`record_transition` and `freeze_figures`, which only the engine calls.

| row type | writer |
|---|---|
| ReportingPeriod | `ensure_periods` / `ensure_period` (created), `set_due_date` (moved) |
| SelfEvaluation | `start_evaluation` (created), `save_evaluation` (texts, version-checked), `transition()` (state) |
| KpiRating | `save_evaluation` (with the texts) |
| Transition | `record_transition` (only from `transition()`) |
| SnapshotValue | `freeze_figures` (only from `transition()`, on 受理) |
| ReminderLog | `record_reminder` (scheduled), `record_urgent_reminder` (a reviewer's 督促) |
| RatingScale | `set_rating_scale` |
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chizai.audit.log import log
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import Plan
from chizai.lib.business_days import previous_business_day
from chizai.lib.fiscal import Half
from chizai.organizations.models import Organization
from chizai.organizations.permissions import (
    can_edit_organization,
    can_review_organization,
    is_jpo_admin,
    primary_organization,
)
from chizai.organizations.types import Actor
from chizai.pdca.access import can_edit
from chizai.pdca.models import (
    TEXT_MAX_LENGTH,
    KpiRating,
    Rating,
    RatingScale,
    ReminderKind,
    ReminderLog,
    ReportingPeriod,
    SelfEvaluation,
    SnapshotValue,
    Transition,
    default_due_date,
)
from chizai.pdca.table import kpis_of, period_actuals
from chizai.workflow import transition

TEXT_FIELDS = ("previous_followup", "activities", "issues", "improvements", "advanced_practice")

# --- reporting periods ----------------------------------------------------------------------------------------


def ensure_period(plan: Plan, fiscal_year: int, half: str) -> ReportingPeriod:
    """The plan's half year, created with its default due date (a business day) if missing."""
    period, _ = ReportingPeriod.objects.get_or_create(
        plan=plan,
        fiscal_year=fiscal_year,
        half=half,
        defaults={"due_date": previous_business_day(default_due_date(fiscal_year, half))},
    )
    return period


def ensure_periods(plan: Plan) -> list[ReportingPeriod]:
    """The plan's half years (上期・下期 of each fiscal year), created with default due dates if missing."""
    wanted = [(year, half.value) for year in plan.fiscal_years for half in (Half.FIRST, Half.SECOND)]
    existing = {(p.fiscal_year, p.half): p for p in ReportingPeriod.objects.filter(plan=plan).select_related("plan")}
    for year, half in wanted:
        if (year, half) not in existing:
            existing[(year, half)] = ensure_period(plan, year, half)
    return [existing[key] for key in wanted]


@transaction.atomic
def set_due_date(*, period: ReportingPeriod, due_date: datetime.date, actor: Actor) -> ReportingPeriod:
    """Move a half year's due date (提出期限): JPO's administrators."""
    if actor is None or not is_jpo_admin(actor):
        raise PermissionDenied("提出期限を変更できるのは特許庁の管理者です。")
    current = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    before = {"due_date": current.due_date}
    current.due_date = due_date
    current.save(update_fields=["due_date"])
    log(actor, "pdca.period.updated", current, before, {"due_date": due_date}, plan_id=current.plan_id)
    return current


@transaction.atomic
def set_rating_scale(*, a_from: Decimal, b_from: Decimal, c_from: Decimal, actor: Actor) -> RatingScale:
    """Set the achievement thresholds of the suggested ratings (one row for the system)."""
    if actor is None or not is_jpo_admin(actor):
        raise PermissionDenied("自己評価の目安を変更できるのは特許庁の管理者です。")
    if not a_from >= b_from >= c_from:
        raise ValidationError("しきい値は A ≥ B ≥ C の順にしてください。")
    scale = RatingScale.objects.select_for_update().order_by("pk").first() or RatingScale()
    before = None if scale.pk is None else {"a_from": scale.a_from, "b_from": scale.b_from, "c_from": scale.c_from}
    scale.a_from, scale.b_from, scale.c_from = a_from, b_from, c_from
    scale.save()
    verb = "created" if before is None else "updated"
    log(actor, f"pdca.rating_scale.{verb}", scale, before, {"a_from": a_from, "b_from": b_from, "c_from": c_from})
    return scale


# --- the self-evaluation and its ratings ----------------------------------------------------------------------


def _audit(actor: Actor, action: str, evaluation: SelfEvaluation, before: object, after: object) -> None:
    log(
        actor,
        action,
        evaluation,
        before if isinstance(before, dict) else None,
        after if isinstance(after, dict) else None,
        plan_id=evaluation.period.plan_id,
    )


@transaction.atomic
def start_evaluation(*, period: ReportingPeriod, organization: Organization, actor: Actor) -> SelfEvaluation:
    """Open (or return the existing) self-evaluation; the previous half's 改善策 are carried forward.

    `period` may be one not stored yet (the list shows every half year of the plan without writing): it is
    stored here, when someone starts writing for it.
    """
    if actor is None or not can_edit_organization(actor, organization):
        raise PermissionDenied("この関係主体の自己評価を作成する権限がありません。")
    if period.pk is None:
        period = ensure_period(period.plan, period.fiscal_year, period.half)
    existing = SelfEvaluation.objects.filter(period=period, organization=organization).first()
    if existing is not None:
        return existing
    previous_period = period.previous()
    previous = (
        SelfEvaluation.objects.filter(period=previous_period, organization=organization).first()
        if previous_period
        else None
    )
    try:
        with transaction.atomic():
            evaluation = SelfEvaluation.objects.create(
                period=period,
                organization=organization,
                previous_improvements=previous.improvements if previous else "",
            )
    except IntegrityError:
        # Two people pressed 「作成する」 at once: the other one's evaluation is the one to continue.
        return SelfEvaluation.objects.get(period=period, organization=organization)
    _audit(actor, "pdca.evaluation.created", evaluation, None, evaluation.snapshot())
    return evaluation


def _checked_texts(texts: dict[str, str]) -> dict[str, str]:
    cleaned = {field: texts[field].strip() for field in TEXT_FIELDS if field in texts}
    too_long = [SelfEvaluation.field_label(field) for field, text in cleaned.items() if len(text) > TEXT_MAX_LENGTH]
    if too_long:
        raise ValidationError([f"「{label}」は{TEXT_MAX_LENGTH:,}文字以内で記入してください。" for label in too_long])
    return cleaned


@transaction.atomic
def save_evaluation(
    *,
    evaluation: SelfEvaluation,
    texts: dict[str, str],
    ratings: dict[int, tuple[str, str]],
    expected_version: int,
    actor: Actor,
) -> SelfEvaluation:
    """Save the texts and per-KPI ratings (rating, reason) of an evaluation being written."""
    current = SelfEvaluation.objects.select_for_update().select_related("period", "organization").get(pk=evaluation.pk)
    if actor is None or not can_edit(actor, current):
        raise PermissionDenied("この自己評価は編集できません。")
    if current.version != expected_version:
        raise ConflictError()
    cleaned = _checked_texts(texts)
    before = current.snapshot()
    for field, text in cleaned.items():
        setattr(current, field, text)
    current.version += 1
    current.save()
    _audit(actor, "pdca.evaluation.updated", current, before, current.snapshot())
    _save_ratings(current, ratings, actor)
    return current


def _save_ratings(evaluation: SelfEvaluation, ratings: dict[int, tuple[str, str]], actor: Actor) -> None:
    allowed = {k.pk for k in kpis_of(evaluation)}
    existing = {r.kpi_id: r for r in evaluation.ratings.all()}
    for kpi_id, (rating, reason) in ratings.items():
        if kpi_id not in allowed:
            continue
        if rating and rating not in Rating.values:
            raise ValidationError("自己評価は A、B、C、D のいずれかです。")
        if len(reason.strip()) > TEXT_MAX_LENGTH:
            raise ValidationError(f"評価の理由は{TEXT_MAX_LENGTH:,}文字以内で記入してください。")
        row = existing.get(kpi_id)
        before = {"rating": row.rating, "reason": row.reason} if row else None
        if row is None:
            row = KpiRating(evaluation=evaluation, kpi_id=kpi_id)
        row.rating, row.reason = rating, reason.strip()
        row.save()
        log(
            actor,
            "pdca.rating.saved",
            row,
            before,
            {"rating": row.rating, "reason": row.reason},
            kpi_id=kpi_id,
            plan_id=evaluation.period.plan_id,
        )


# --- the workflow (the table is chizai.pdca.rules; the engine is chizai.workflow) ------------------------------


def submit_evaluation(
    *, evaluation: SelfEvaluation, actor: Actor, today: datetime.date | None = None
) -> SelfEvaluation:
    moved: SelfEvaluation = transition(obj=evaluation, action="submit", actor=actor, today=today)
    return moved


def review_evaluation(*, evaluation: SelfEvaluation, actor: Actor, comment: str = "") -> SelfEvaluation:
    moved: SelfEvaluation = transition(obj=evaluation, action="review", actor=actor, comment=comment)
    return moved


def return_evaluation(*, evaluation: SelfEvaluation, actor: Actor, comment: str) -> SelfEvaluation:
    moved: SelfEvaluation = transition(obj=evaluation, action="return", actor=actor, comment=comment)
    return moved


def accept_evaluation(*, evaluation: SelfEvaluation, actor: Actor, comment: str = "") -> SelfEvaluation:
    """JPO accepts: the KPI figures behind the evaluation are snapshotted and locked."""
    moved: SelfEvaluation = transition(obj=evaluation, action="accept", actor=actor, comment=comment)
    return moved


def reopen_evaluation(*, evaluation: SelfEvaluation, actor: Actor, reason: str) -> SelfEvaluation:
    """JPO reopens an accepted evaluation so its figures may change; the snapshot stays for comparison."""
    moved: SelfEvaluation = transition(obj=evaluation, action="reopen", actor=actor, comment=reason)
    return moved


def record_transition(
    *, evaluation: SelfEvaluation, from_status: str, to_status: str, actor: Actor, comment: str
) -> Transition:
    """The history row of one move; written by `chizai.workflow.transition()` and by nothing else."""
    return Transition.objects.create(
        evaluation=evaluation,
        from_status=from_status,
        to_status=to_status,
        actor=actor if isinstance(actor, User) else None,
        actor_organization=primary_organization(actor) if actor is not None else None,
        comment=comment,
    )


def freeze_figures(*, evaluation: SelfEvaluation) -> list[SnapshotValue]:
    """The figures JPO accepted (受理時点の値), kept to show later changes; run by the 受理 transition."""
    evaluation.snapshot_values.all().delete()
    year, half = evaluation.period.fiscal_year, evaluation.period.half
    accepted_at = evaluation.accepted_at or timezone.now()
    values = [
        SnapshotValue(
            evaluation=evaluation,
            kpi=kpi,
            start_year=actual.start_year,
            end_year=actual.end_year,
            half=actual.half,
            value=actual.value,
            numerator=actual.numerator,
            denominator=actual.denominator,
            accepted_at=accepted_at,
        )
        for kpi in kpis_of(evaluation)
        for actual in period_actuals(kpi, year, half)
    ]
    return SnapshotValue.objects.bulk_create(values)


# --- reminders ------------------------------------------------------------------------------------------------


def record_reminder(
    *,
    period: ReportingPeriod,
    organization: Organization,
    kind: str,
    key: str,
    recipients: list[str],
    send: Callable[[], object],
) -> bool:
    """Record a reminder and send it in one transaction: a failed send leaves no record, a recorded one is
    never sent again. False when it had been recorded already."""
    with transaction.atomic():
        _, created = ReminderLog.objects.get_or_create(
            period=period,
            organization=organization,
            kind=kind,
            key=key,
            defaults={"recipients": ", ".join(recipients)},
        )
        if created:
            send()
    return created


@transaction.atomic
def record_urgent_reminder(
    *,
    period: ReportingPeriod,
    organization: Organization,
    key: str,
    recipients: list[str],
    actor: Actor,
    send: Callable[[], object],
) -> bool:
    """A reviewer's 督促 to a late body: recorded, audited and sent in one transaction, at most once per `key`
    (one a day: the key names the day) whatever the period. False when one was sent already (nothing is sent)."""
    if actor is None or not can_review_organization(actor, organization):
        raise PermissionDenied("この関係主体に督促する権限がありません。")
    if ReminderLog.objects.filter(organization=organization, kind=ReminderKind.OVERDUE, key=key).exists():
        return False
    try:
        with transaction.atomic():
            reminder = ReminderLog.objects.create(
                period=period,
                organization=organization,
                kind=ReminderKind.OVERDUE,
                key=key,
                recipients=", ".join(recipients),
            )
    except IntegrityError:
        return False  # another click recorded it a moment ago
    log(
        actor,
        "pdca.reminder.urged",
        reminder,
        None,
        {"period": period.short_label, "organization": organization.display_name, "recipients": reminder.recipients},
        plan_id=period.plan_id,
    )
    send()
    return True
