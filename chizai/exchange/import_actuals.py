"""Actuals rows (実績): one figure and/or 評価コメント per KPI and period, written in chunks.

Rows are validated as they are read (the rules of the entry form, `chizai.kpis.forms.ActualForm`), then
written ~1,000 at a time through the KPI writers' bulk variants (`save_actuals`, `save_evaluations`), which
check the locks, the versions and the audit for the whole chunk in a handful of queries; the chunk's stored
actuals and evaluations are loaded once here, for the report's old → new, and handed to the writers.
Memory stays bounded except for one small integer pair per row, kept to spot the same KPI and period twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from chizai.exchange.context import ImportContext, Row
from chizai.exchange.normalize import parse_period
from chizai.exchange.report import Change
from chizai.kpis.actions import (
    ActualKey,
    ActualValue,
    EvaluationText,
    RowsRefused,
    check_subset,
    save_actuals,
    save_evaluations,
)
from chizai.kpis.forms import figure_errors
from chizai.kpis.models import Actual, ActualSource, Evaluation, HalfChoice, Kpi, Shape
from chizai.lib.fiscal import Half
from chizai.lib.numbers import format_quantity, ratio_percent

CHUNK_ROWS = 1000
MAX_COMMENT = 4000
HALF_INDEX: dict[str, int] = {HalfChoice.FULL: 0, HalfChoice.FIRST: 1, HalfChoice.SECOND: 2}
COMPUTED_MESSAGE = "この指標の実績はハンズオン支援案件から自動集計されるため、取り込めません。"
UNKNOWN_KPI_MESSAGE = (
    "登録されていないKPIです。先にKPI一覧を取り込むか、KPI名・KPIコードを画面の表示どおりに入力してください。"
)


@dataclass(slots=True)
class ActualRow:
    """A validated actuals row waiting for its chunk to be written."""

    sheet: str
    number: int
    kpi: Kpi
    year: int
    half: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    comment: str
    figure_heading: str

    @property
    def has_figure(self) -> bool:
        return self.value is not None or self.numerator is not None

    @property
    def what(self) -> str:
        half = "" if self.half == HalfChoice.FULL else Half(self.half).label
        return f"{self.kpi.owner.name} {self.kpi.short_name} {self.kpi.label_period(self.year, self.year)}{half}"


class ActualsImporter:
    """Collects validated rows, writes them chunk by chunk, and checks subsets once everything is written."""

    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.pending: list[ActualRow] = []
        self.seen: dict[int, int] = {}  # packed (kpi, year, half) -> the row that named it first
        self.subset_rows: list[ActualRow] = []
        self._target_years: dict[int, set[int]] | None = None
        self.source_note = context.report.file_name[: Actual._meta.get_field("source_note").max_length or 200]

    # --- reading ---------------------------------------------------------------------------------

    def add(self, row: Row) -> None:
        parsed = self._read(row)
        if parsed is None or row.failed:
            return
        if self.context.kpis.is_in_subset_pair(parsed.kpi) and parsed.has_figure:
            self.subset_rows.append(parsed)
        self.pending.append(parsed)
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def _read(self, row: Row) -> ActualRow | None:
        kpi = self._kpi(row)
        period = self._period(row, kpi)
        value, numerator, denominator = self._figures(row, kpi)
        comment = _comment(row)
        if kpi is None or period is None or row.failed:
            return None
        if kpi.shape == Shape.QUALITATIVE and (value is not None or numerator is not None):
            row.problem("定性のKPIには数値の実績は入力できません。評価コメントのみ取り込めます。", "value")
        elif kpi.counting_rule and (value is not None or numerator is not None):
            row.problem(COMPUTED_MESSAGE, "value")
        elif value is None and numerator is None and not comment:
            row.problem("実績が空欄です。", "value")
        if row.failed or not self._first_occurrence(row, kpi, *period):
            return None
        heading = row.heading("value") if numerator is None else row.heading("numerator")
        return ActualRow(row.sheet, row.number, kpi, *period, value, numerator, denominator, comment, heading)

    def _kpi(self, row: Row) -> Kpi | None:
        organization = self.context.organization_of(row)
        name, code = row.text("name"), row.text("code")
        if not name and not code:
            row.problem("KPI名を入力してください。", "name")
        if organization is None or row.failed:
            return None
        kpi = self.context.kpis.find(organization, code, name)
        if kpi is None:
            row.problem(UNKNOWN_KPI_MESSAGE, "code" if code else "name")
        return kpi

    def _period(self, row: Row, kpi: Kpi | None) -> tuple[int, str] | None:
        try:
            year, half = _parse_period(row)
        except ValueError as error:
            row.problem(str(error), "period" if row.text("period") else "year")
            return None
        if kpi is not None and year not in self.context.plan.fiscal_years and year not in self._years_of(kpi):
            plan = self.context.plan
            row.problem(
                f"{year}年度は計画期間（{plan.period_label}）の外です。", "year" if row.text("year") else "period"
            )
            return None
        return year, half

    def _years_of(self, kpi: Kpi) -> set[int]:
        """Single years with a target, which the entry form also accepts outside the plan period."""
        if self._target_years is None:
            self._target_years = {}
            for kpi_id, start, end in self.context.kpis.targets:
                if start == end:
                    self._target_years.setdefault(kpi_id, set()).add(end)
        return self._target_years.get(kpi.pk, set())

    def _figures(self, row: Row, kpi: Kpi | None) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        value, numerator, denominator = row.figure("value"), row.figure("numerator"), row.figure("denominator")
        if kpi is not None:
            # An error about the combination (field None) is shown on 実績 if it was filled in, else on 該当数.
            combination = "value" if value is not None else "numerator"
            for field, message in figure_errors(kpi, value, numerator, denominator):
                row.problem(message, field or combination)
        return value, numerator, denominator

    def _first_occurrence(self, row: Row, kpi: Kpi, year: int, half: str) -> bool:
        key = (kpi.pk * 10_000 + year) * 3 + HALF_INDEX[half]
        earlier = self.seen.get(key)
        if earlier is not None:
            row.problem(f"同じKPI・期間の行が{earlier}行目にもあります。", "name")
            return False
        self.seen[key] = row.number
        return True

    # --- writing ---------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the pending rows through the KPI writers: one query each for their stored actuals and evaluations."""
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        kpi_ids = {r.kpi.pk for r in rows}
        years = {r.year for r in rows}
        actuals = self._existing(Actual, kpi_ids, years, any(r.has_figure for r in rows))
        evaluations = self._existing(Evaluation, kpi_ids, years, any(r.comment for r in rows))
        chunk = _Chunk()
        for row in rows:
            stored = (row.kpi.pk, row.year, row.year, row.half)
            changed = False
            if row.has_figure:
                changed |= self._actual(row, actuals.get(stored), chunk)
            if row.comment:
                changed |= self._evaluation(row, evaluations.get(stored), chunk)
            if not changed:
                self.context.report.counts["変更なし"] += 1
        self._write(chunk, actuals, evaluations)

    def _existing(self, model: Any, kpi_ids: set[int], years: set[int], needed: bool) -> dict[ActualKey, Any]:
        if not needed:
            return {}
        rows = model.objects.filter(kpi_id__in=kpi_ids, start_year__in=years, end_year__in=years)
        if self.context.apply:
            rows = rows.select_for_update()
        return {(r.kpi_id, r.start_year, r.end_year, r.half): r for r in rows if r.start_year == r.end_year}

    def _actual(self, row: ActualRow, existing: Actual | None, chunk: _Chunk) -> bool:
        if existing is not None:
            existing.kpi = row.kpi
            self.context.read_for_update("actual", existing.pk, existing.version)
            if (existing.value, existing.numerator, existing.denominator) == (
                row.value,
                row.numerator,
                row.denominator,
            ):
                return False
        value = ActualValue(
            row.kpi,
            row.year,
            row.year,
            row.half,
            row.value,
            row.numerator,
            row.denominator,
            ActualSource.IMPORTED,
            self.source_note,
            expected_version=existing.version if existing is not None else 0,
        )
        new = _figure_text(row.kpi, value.value, value.numerator, value.denominator)
        if existing is None:
            change = Change("新規", f"{row.what} 実績", new=new, sheet=row.sheet, row=row.number)
            chunk.actuals.append((row, value, change, "実績 新規"))
        else:
            old = _figure_text(row.kpi, existing.value, existing.numerator, existing.denominator)
            change = Change("更新", f"{row.what} 実績", old=old, new=new, sheet=row.sheet, row=row.number)
            chunk.actuals.append((row, value, change, "実績 更新"))
        return True

    def _evaluation(self, row: ActualRow, existing: Evaluation | None, chunk: _Chunk) -> bool:
        what = f"{row.what} 評価"
        if existing is not None:
            existing.kpi = row.kpi
            self.context.read_for_update("evaluation", existing.pk, existing.version)
            if existing.text == row.comment:
                return False
        text = EvaluationText(
            row.kpi, row.year, row.year, row.half, row.comment, expected_version=existing.version if existing else 0
        )
        if existing is None:
            change = Change("新規", what, new=_excerpt(row.comment), sheet=row.sheet, row=row.number)
            chunk.evaluations.append((text, change, "評価 新規"))
        else:
            old = _excerpt(existing.text)
            change = Change("更新", what, old=old, new=_excerpt(row.comment), sheet=row.sheet, row=row.number)
            chunk.evaluations.append((text, change, "評価 更新"))
        return True

    def _write(self, chunk: _Chunk, actuals: dict[ActualKey, Actual], evaluations: dict[ActualKey, Evaluation]) -> None:
        """The chunk's changes through the KPI writers; a refused row (locked, counted from cases) is reported."""
        context = self.context
        pending = chunk.actuals
        if pending:
            try:
                self._save_actuals(pending, actuals)
            except RowsRefused as refused:
                for index, message in refused.problems:
                    row = pending[index][0]
                    context.report.add_problem(message, sheet=row.sheet, row=row.number, column=row.figure_heading)
                left_out = {index for index, _ in refused.problems}
                pending = [item for index, item in enumerate(pending) if index not in left_out]
                self._save_actuals(pending, actuals)
        for _, _, change, kind in pending:
            context.report.add_change(change, kind)
        if chunk.evaluations:
            rows = [text for text, _, _ in chunk.evaluations]
            save_evaluations(rows=rows, current=evaluations, actor=context.user, reason=context.reason)
        for _, change, kind in chunk.evaluations:
            context.report.add_change(change, kind)

    def _save_actuals(self, pending: list[PendingActual], actuals: dict[ActualKey, Actual]) -> None:
        rows = [value for _, value, _, _ in pending]
        context = self.context
        save_actuals(rows=rows, current=actuals, check_subsets_now=False, actor=context.user, reason=context.reason)

    # --- the end ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Check subsets (内数) against the final state of every actual, now that all are written."""
        self.flush()
        for row in self.subset_rows:
            actual = Actual.objects.filter(kpi=row.kpi, start_year=row.year, end_year=row.year, half=row.half).first()
            if actual is None:
                continue
            try:
                check_subset(row.kpi, start_year=row.year, end_year=row.year, half=row.half, figure=actual.figure)
            except ValidationError as error:
                message = " ".join(error.messages)
                self.context.report.add_problem(message, sheet=row.sheet, row=row.number, column=row.figure_heading)


# A row, the actual it writes, and the change the report shows once it is written.
PendingActual = tuple[ActualRow, ActualValue, Change, str]


class _Chunk:
    """The changes of one chunk, waiting to be written together."""

    def __init__(self) -> None:
        self.actuals: list[PendingActual] = []
        self.evaluations: list[tuple[EvaluationText, Change, str]] = []


def _parse_period(row: Row) -> tuple[int, str]:
    """年度 and 期 as typed; a half written into the 年度 cell ("2023上期") counts when 期 is blank."""
    try:
        return parse_period(row.raw("year"), row.raw("period"))
    except ValueError:
        if row.text("period") or not row.text("year"):
            raise
        try:
            return parse_period(None, row.raw("year"))
        except ValueError:
            pass
        raise


def _comment(row: Row) -> str:
    raw = row.raw("comment")
    text = "" if raw is None else str(raw).strip(" \t\r\n\u3000")
    if len(text) > MAX_COMMENT:
        row.problem(f"評価コメントは{MAX_COMMENT:,}文字以内で入力してください。", "comment")
    return text


def _figure_text(kpi: Kpi, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None) -> str:
    if numerator is None or not denominator:
        return format_quantity(value, kpi.unit)
    figure = format_quantity(ratio_percent(numerator, denominator, decimals=1), kpi.unit)
    return f"{figure}（{format_quantity(numerator, '')}／{format_quantity(denominator, '')}）"


def _excerpt(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
