"""The writes of the PDCA cycle: each one transactional, permission-checked and audited."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chizai.audit.log import log
from chizai.kpis.actions import ConflictError
from chizai.kpis.models import Plan
from chizai.lib.fiscal import Half
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, primary_organization
from chizai.pdca import rules
from chizai.pdca.models import (
    KpiRating,
    Rating,
    ReportingPeriod,
    SelfEvaluation,
    SnapshotValue,
    Status,
    Transition,
    default_due_date,
)
from chizai.pdca.table import evaluation_rows, kpis_of, period_actuals


def ensure_periods(plan: Plan) -> list[ReportingPeriod]:
    """The plan's half years (上期・下期 of each fiscal year), created with default due dates if missing."""
    from chizai.lib.business_days import previous_business_day

    wanted = [(year, half.value) for year in plan.fiscal_years for half in (Half.FIRST, Half.SECOND)]
    existing = {(p.fiscal_year, p.half): p for p in ReportingPeriod.objects.filter(plan=plan).select_related("plan")}
    # One query when the periods exist (every page view); get_or_create only for the missing ones.
    for year, half in wanted:
        if (year, half) not in existing:
            existing[(year, half)], _ = ReportingPeriod.objects.get_or_create(
                plan=plan,
                fiscal_year=year,
                half=half,
                defaults={"due_date": previous_business_day(default_due_date(year, half))},
            )
    return [existing[key] for key in wanted]


def _audit(actor: Any, action: str, evaluation: SelfEvaluation, before: Any, after: Any, reason: str = "") -> None:
    log(actor, action, evaluation, before, after, plan_id=evaluation.period.plan_id, reason=reason)


@transaction.atomic
def start_evaluation(*, period: ReportingPeriod, organization: Organization, actor: Any) -> SelfEvaluation:
    """Open (or return the existing) self-evaluation; the previous half's 改善策 are carried forward."""
    if not can_edit_organization(actor, organization):
        raise PermissionDenied("この関係主体の自己評価を作成する権限がありません。")
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


@transaction.atomic
def save_evaluation(
    *,
    evaluation: SelfEvaluation,
    texts: dict[str, str],
    ratings: dict[int, tuple[str, str]],
    expected_version: int,
    actor: Any,
) -> SelfEvaluation:
    """Save the texts and per-KPI ratings (rating, reason) of an evaluation being written."""
    current = SelfEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not rules.can_edit(actor, current):
        raise PermissionDenied("この自己評価は編集できません。")
    if current.version != expected_version:
        raise ConflictError()
    before = current.snapshot()
    for field in ("previous_followup", "activities", "issues", "improvements", "advanced_practice"):
        if field in texts:
            setattr(current, field, texts[field].strip())
    current.version += 1
    current.save()
    _audit(actor, "pdca.evaluation.updated", current, before, current.snapshot())
    _save_ratings(current, ratings, actor)
    return current


def _save_ratings(evaluation: SelfEvaluation, ratings: dict[int, tuple[str, str]], actor: Any) -> None:
    allowed = {k.pk for k in kpis_of(evaluation)}
    existing = {r.kpi_id: r for r in evaluation.ratings.all()}
    for kpi_id, (rating, reason) in ratings.items():
        if kpi_id not in allowed:
            continue
        if rating and rating not in Rating.values:
            raise ValidationError("自己評価は A、B、C、D のいずれかです。")
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


def missing_for_submission(evaluation: SelfEvaluation, today: datetime.date) -> list[str]:
    """What must be filled in before submitting, in Japanese; empty when ready."""
    problems = []
    if not evaluation.activities.strip():
        problems.append("「取組状況」を記入してください。")
    if evaluation.previous_improvements.strip() and not evaluation.previous_followup.strip():
        problems.append("「前回の改善策の対応状況」を記入してください。")
    for row in evaluation_rows(evaluation, today):
        if row.overridden and not (row.rating and row.rating.reason.strip()):
            problems.append(
                f"「{row.kpi.short_name}」の自己評価を目安（{row.suggested or 'なし'}）と変えた理由を記入してください。"
            )
    return problems


def _move(evaluation: SelfEvaluation, to: str, actor: Any, comment: str, action: str) -> SelfEvaluation:
    before = evaluation.snapshot()
    from_status = evaluation.status
    evaluation.status = to
    evaluation.version += 1
    now = timezone.now()
    if to == Status.SUBMITTED:
        evaluation.submitted_at = now
    if to == Status.ACCEPTED:
        evaluation.accepted_at = now
    evaluation.save()
    Transition.objects.create(
        evaluation=evaluation,
        from_status=from_status,
        to_status=to,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_organization=primary_organization(actor),
        comment=comment.strip(),
    )
    _audit(actor, action, evaluation, before, evaluation.snapshot(), reason=comment.strip())
    return evaluation


def _locked(evaluation: SelfEvaluation) -> SelfEvaluation:
    return SelfEvaluation.objects.select_for_update().select_related("period", "organization").get(pk=evaluation.pk)


@transaction.atomic
def submit_evaluation(*, evaluation: SelfEvaluation, actor: Any, today: datetime.date | None = None) -> SelfEvaluation:
    current = _locked(evaluation)
    if not rules.can_submit(actor, current):
        raise PermissionDenied("この自己評価は提出できません。")
    problems = missing_for_submission(current, today or timezone.localdate())
    if problems:
        raise ValidationError(problems)
    return _move(current, Status.SUBMITTED, actor, "", "pdca.evaluation.submitted")


@transaction.atomic
def review_evaluation(*, evaluation: SelfEvaluation, actor: Any, comment: str = "") -> SelfEvaluation:
    current = _locked(evaluation)
    if not rules.can_review(actor, current):
        raise PermissionDenied("この自己評価を確認する権限がありません。")
    return _move(current, Status.REVIEWED, actor, comment, "pdca.evaluation.reviewed")


@transaction.atomic
def return_evaluation(*, evaluation: SelfEvaluation, actor: Any, comment: str) -> SelfEvaluation:
    current = _locked(evaluation)
    if not rules.can_return(actor, current):
        raise PermissionDenied("この自己評価を差し戻す権限がありません。")
    if not comment.strip():
        raise ValidationError("差戻しの理由（コメント）を記入してください。")
    return _move(current, Status.RETURNED, actor, comment, "pdca.evaluation.returned")


@transaction.atomic
def accept_evaluation(*, evaluation: SelfEvaluation, actor: Any, comment: str = "") -> SelfEvaluation:
    """JPO accepts: the KPI figures behind the evaluation are snapshotted and locked."""
    current = _locked(evaluation)
    if not rules.can_accept(actor, current):
        raise PermissionDenied("この自己評価を受理する権限がありません。")
    moved = _move(current, Status.ACCEPTED, actor, comment, "pdca.evaluation.accepted")
    _snapshot(moved)
    return moved


def _snapshot(evaluation: SelfEvaluation) -> None:
    evaluation.snapshot_values.all().delete()
    year, half = evaluation.period.fiscal_year, evaluation.period.half
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
            accepted_at=evaluation.accepted_at or timezone.now(),
        )
        for kpi in kpis_of(evaluation)
        for actual in period_actuals(kpi, year, half)
    ]
    SnapshotValue.objects.bulk_create(values)


@transaction.atomic
def reopen_evaluation(*, evaluation: SelfEvaluation, actor: Any, reason: str) -> SelfEvaluation:
    """JPO reopens an accepted evaluation so its figures may change; the snapshot stays for comparison."""
    current = _locked(evaluation)
    if not rules.can_reopen(actor, current):
        raise PermissionDenied("受理済みの自己評価を再開できるのは特許庁の審査者・管理者です。")
    if not reason.strip():
        raise ValidationError("再開の理由を記入してください。")
    return _move(current, Status.REOPENED, actor, reason, "pdca.evaluation.reopened")
