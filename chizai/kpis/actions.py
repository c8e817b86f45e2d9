"""The writes of the KPI app: each one transactional, audited and safe against concurrent edits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chizai.audit.log import log
from chizai.kpis.achievement import YearFigure, year_figure
from chizai.kpis.locks import lock_reason
from chizai.kpis.models import Actual, ActualSource, Evaluation, HalfChoice, Kpi
from chizai.lib.numbers import format_quantity

CONFLICT_MESSAGE = (
    "保存できませんでした。この画面を開いた後に、他の利用者が同じ値を更新しています。"
    "画面を再読み込みして最新の値を確認してから、もう一度入力してください。"
)


class ConflictError(Exception):
    """A concurrent edit: the row changed (or appeared) since the user loaded it."""

    def __init__(self, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


def _figure_of(value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    probe = Actual(value=value, numerator=numerator, denominator=denominator)
    return probe.figure


def check_subset(kpi: Kpi, *, start_year: int, end_year: int, half: str, figure: Decimal | None) -> None:
    """A subset KPI (内数) never exceeds its parent for the same period and half."""
    if figure is None:
        return
    period = {"start_year": start_year, "end_year": end_year, "half": half}
    if kpi.parent_id:
        parent_actual = Actual.objects.filter(kpi_id=kpi.parent_id, **period).select_related("kpi").first()
        if parent_actual and parent_actual.figure is not None and figure > parent_actual.figure:
            raise ValidationError(
                f"この指標は「{parent_actual.kpi.short_name}」の内数です。実績（{format_quantity(figure, kpi.unit)}）が"
                f"元の指標の実績（{format_quantity(parent_actual.figure, kpi.unit)}）を超えています。"
            )
    for child in Actual.objects.filter(kpi__parent=kpi, **period).select_related("kpi"):
        if child.figure is not None and child.figure > figure:
            raise ValidationError(
                f"「{child.kpi.short_name}」（内数）の実績が{format_quantity(child.figure, kpi.unit)}あります。"
                f"この指標の実績（{format_quantity(figure, kpi.unit)}）はそれを下回れません。"
            )
    if start_year == end_year:
        _check_subset_year(kpi, year=start_year, half=half, candidate=Actual(kpi=kpi, value=figure))


def _year_with(kpi: Kpi, year: int, replaced: tuple[str, Actual] | None = None) -> YearFigure:
    index = {
        (a.start_year, a.end_year, a.half): a for a in Actual.objects.filter(kpi=kpi, start_year=year, end_year=year)
    }
    if replaced is not None:
        index[(year, year, replaced[0])] = replaced[1]
    return year_figure(kpi, year, index)


def _check_subset_year(kpi: Kpi, *, year: int, half: str, candidate: Actual) -> None:
    """The same rule for the whole year, where one side is entered by halves and the other as 通期."""
    pairs = [(kpi, kpi.parent)] if kpi.parent is not None else []
    pairs += [(child, kpi) for child in kpi.subsets.all()]
    for child, parent in pairs:
        child_year = _year_with(child, year, (half, candidate) if child.pk == kpi.pk else None)
        parent_year = _year_with(parent, year, (half, candidate) if parent.pk == kpi.pk else None)
        if not (child_year.complete and parent_year.complete):
            continue
        if child_year.value is not None and parent_year.value is not None and child_year.value > parent_year.value:
            raise ValidationError(
                f"{kpi.label_period(year, year)}の年間実績で、内数の「{child.short_name}」"
                f"（{format_quantity(child_year.value, kpi.unit)}）が「{parent.short_name}」"
                f"（{format_quantity(parent_year.value, kpi.unit)}）を超えてしまいます。"
            )


@transaction.atomic
def save_actual(
    *,
    kpi: Kpi,
    start_year: int,
    end_year: int,
    half: str = HalfChoice.FULL,
    value: Decimal | None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    expected_version: int | None,
    actor: Any,
    source: str = ActualSource.ENTERED,
    source_note: str = "",
    reason: str = "",
) -> Actual | None:
    """Create, update or (when no figure is given) delete the actual of one period.

    `expected_version` is the version the user saw (0: there was none); a mismatch raises ConflictError.
    Returns the saved actual, or None when it was deleted or there was nothing to delete.
    """
    lookup = {"kpi": kpi, "start_year": start_year, "end_year": end_year, "half": half}
    existing = Actual.objects.select_for_update().filter(**lookup).first()
    _check_version(existing, expected_version)
    _check_unlocked(kpi, start_year=start_year, end_year=end_year, half=half)
    if value is None and (numerator is None or denominator is None):
        if existing is not None:
            _delete(existing, actor, "kpi.actual.deleted", reason)
        return None
    check_subset(
        kpi, start_year=start_year, end_year=end_year, half=half, figure=_figure_of(value, numerator, denominator)
    )
    fields = {
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "source": source,
        "source_note": source_note,
    }
    return _write(Actual, existing, lookup, fields, actor, "kpi.actual", reason)


@transaction.atomic
def save_evaluation(
    *,
    kpi: Kpi,
    start_year: int,
    end_year: int,
    half: str = HalfChoice.FULL,
    text: str,
    expected_version: int | None,
    actor: Any,
    reason: str = "",
) -> Evaluation | None:
    """Create, update or (when the text is empty) delete the written evaluation of one period."""
    lookup = {"kpi": kpi, "start_year": start_year, "end_year": end_year, "half": half}
    existing = Evaluation.objects.select_for_update().filter(**lookup).first()
    _check_version(existing, expected_version)
    if not text.strip():
        if existing is not None:
            _delete(existing, actor, "kpi.evaluation.deleted", reason)
        return None
    return _write(Evaluation, existing, lookup, {"text": text.strip()}, actor, "kpi.evaluation", reason)


def _check_unlocked(kpi: Kpi, *, start_year: int, end_year: int, half: str) -> None:
    reason = lock_reason(kpi, start_year=start_year, end_year=end_year, half=half)
    if reason is not None:
        raise ValidationError(reason)


def _check_version(existing: Actual | Evaluation | None, expected_version: int | None) -> None:
    if expected_version is None:
        return
    current = existing.version if existing is not None else 0
    if current != expected_version:
        raise ConflictError()


def _write(
    model: type[Actual] | type[Evaluation],
    existing: Actual | Evaluation | None,
    lookup: dict[str, Any],
    fields: dict[str, Any],
    actor: Any,
    action: str,
    reason: str,
) -> Any:
    kpi = lookup["kpi"]
    if existing is None:
        try:
            with transaction.atomic():
                obj = model.objects.create(**lookup, **fields)
        except IntegrityError as error:
            raise ConflictError() from error
        log(actor, f"{action}.created", obj, None, obj.snapshot(), kpi_id=kpi.pk, plan_id=kpi.plan_id, reason=reason)
        return obj
    before = existing.snapshot()
    for name, value in fields.items():
        setattr(existing, name, value)
    if existing.snapshot() == before:
        return existing
    # The version check in the UPDATE itself guards databases where SELECT … FOR UPDATE does not lock.
    updated = model.objects.filter(pk=existing.pk, version=existing.version).update(
        **fields, version=existing.version + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ConflictError()
    existing.refresh_from_db()
    log(
        actor,
        f"{action}.updated",
        existing,
        before,
        existing.snapshot(),
        kpi_id=kpi.pk,
        plan_id=kpi.plan_id,
        reason=reason,
    )
    return existing


def _delete(obj: Actual | Evaluation, actor: Any, action: str, reason: str) -> None:
    kpi = obj.kpi
    log(actor, action, obj, obj.snapshot(), None, kpi_id=kpi.pk, plan_id=kpi.plan_id, reason=reason)
    obj.delete()
