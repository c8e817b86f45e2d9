"""Actuals rows (実績): one figure and/or 評価コメント per KPI and period, checked without writing anything.

Rows are validated as they are read (the rules of the entry form, `chizai.kpis.forms.ActualForm`), then
compared CHUNK_ROWS at a time with the stored actuals and evaluations (one read each a chunk, no lock), and
checked against the same refusals the writers apply (locks, figures counted from cases, subsets) with the file's
own figures in place of the stored ones. Only the changes are kept (`context.writes`), with the stored row each
replaces; the apply hands them to `prepare_actuals` / `prepare_evaluations` and `write_prepared`, which check
every version again inside the write transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from chizai.exchange.context import ImportContext, Location, Row
from chizai.exchange.normalize import parse_period
from chizai.exchange.report import Change
from chizai.kpis.actions import (
    ActualKey,
    ActualValue,
    EvaluationText,
    actual_refusals,
    check_subset,
    counted_refusal,
)
from chizai.kpis.forms import figure_errors
from chizai.kpis.models import Actual, ActualSource, Evaluation, HalfChoice, Kpi, Shape
from chizai.lib.fiscal import Half
from chizai.lib.numbers import format_quantity, ratio_percent

CHUNK_ROWS = 5000
MAX_COMMENT = 4000
HALF_INDEX: dict[str, int] = {HalfChoice.FULL: 0, HalfChoice.FIRST: 1, HalfChoice.SECOND: 2}
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
    def location(self) -> Location:
        return (self.sheet, self.number, self.figure_heading)

    @property
    def what(self) -> str:
        half = "" if self.half == HalfChoice.FULL else Half(self.half).label
        return (
            f"{self.kpi.owner.display_name} {self.kpi.short_name} {self.kpi.label_period(self.year, self.year)}{half}"
        )


class ActualsImporter:
    """Collects validated rows, compares them chunk by chunk, and checks subsets once every row is read."""

    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.pending: list[ActualRow] = []
        self.seen: dict[tuple[str, int, int], int] = {}  # (KPI code, year, half) -> the row that named it first
        self.subset_rows: list[ActualRow] = []
        self._target_years: dict[str, set[int]] | None = None
        self._periods: dict[tuple[Any, ...], tuple[int, str]] = {}
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
            row.problem(counted_refusal(kpi, "取り込めません"), "value")
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
            year, half = self._parse_period(row)
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

    def _parse_period(self, row: Row) -> tuple[int, str]:
        """`_parse_period`, once for each spelling of 年度 and 期 (a file repeats a few dozen on every row)."""
        year, period = row.raw("year"), row.raw("period")
        key = (type(year), year, type(period), period)
        try:
            found = self._periods.get(key)
        except TypeError:  # a cell value that cannot be a key
            return _parse_period(row)
        if found is None:
            found = self._periods[key] = _parse_period(row)
        return found

    def _years_of(self, kpi: Kpi) -> set[int]:
        """Single years with a target, which the entry form also accepts outside the plan period."""
        if self._target_years is None:
            self._target_years = {}
            for code, start, end in self.context.kpis.targets:
                if start == end:
                    self._target_years.setdefault(code, set()).add(end)
        return self._target_years.get(kpi.code, set())

    def _figures(self, row: Row, kpi: Kpi | None) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        value, numerator, denominator = row.figure("value"), row.figure("numerator"), row.figure("denominator")
        if kpi is not None:
            # An error about the combination (field None) is shown on 実績 if it was filled in, else on 該当数.
            combination = "value" if value is not None else "numerator"
            for field, message in figure_errors(kpi, value, numerator, denominator):
                row.problem(message, field or combination)
        return value, numerator, denominator

    def _first_occurrence(self, row: Row, kpi: Kpi, year: int, half: str) -> bool:
        key = (kpi.code, year, HALF_INDEX[half])
        earlier = self.seen.get(key)
        if earlier is not None:
            row.problem(f"同じKPI・期間の行が{earlier}行目にもあります。", "name")
            return False
        self.seen[key] = row.number
        return True

    # --- comparing with the stored rows ----------------------------------------------------------

    def flush(self) -> None:
        """Compare the pending rows with their stored actuals and evaluations (one read each) and keep the changes."""
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        kpi_ids = {r.kpi.pk for r in rows if r.kpi.pk is not None}
        years = {r.year for r in rows}
        actuals = self._existing(Actual, kpi_ids, years, any(r.has_figure for r in rows))
        evaluations = self._existing(Evaluation, kpi_ids, years, any(r.comment for r in rows))
        chunk = _Chunk()
        for row in rows:
            stored = (row.kpi.pk or 0, row.year, row.year, row.half)
            changed = False
            if row.has_figure:
                changed |= self._actual(row, actuals.get(stored), chunk)
            if row.comment:
                changed |= self._evaluation(row, evaluations.get(stored), chunk)
            if not changed:
                self.context.report.counts["変更なし"] += 1
        self._keep(chunk, actuals)

    def _existing(self, model: Any, kpi_ids: set[int], years: set[int], needed: bool) -> dict[ActualKey, Any]:
        if not needed or not kpi_ids:
            return {}
        rows = model.objects.filter(kpi_id__in=kpi_ids, start_year__in=years, end_year__in=years)
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
        chunk.actuals.append((row, value, existing, "実績 新規" if existing is None else "実績 更新"))
        return True

    def _evaluation(self, row: ActualRow, existing: Evaluation | None, chunk: _Chunk) -> bool:
        if existing is not None:
            existing.kpi = row.kpi
            self.context.read_for_update("evaluation", existing.pk, existing.version)
            if existing.text == row.comment:
                return False
        text = EvaluationText(
            row.kpi, row.year, row.year, row.half, row.comment, expected_version=existing.version if existing else 0
        )
        chunk.evaluations.append((row, text, existing, "評価 新規" if existing is None else "評価 更新"))
        return True

    def _keep(self, chunk: _Chunk, actuals: dict[ActualKey, Actual]) -> None:
        """The chunk's changes go to the writes and the report; a row the writer would refuse is a problem."""
        context = self.context
        report = context.report
        pending = chunk.actuals
        refused = actual_refusals(rows=[value for _, value, _, _ in pending], current=actuals)
        for index, message in refused:
            row = pending[index][0]
            report.add_problem(message, sheet=row.sheet, row=row.number, column=row.figure_heading)
        left_out = {index for index, _ in refused}
        for index, (row, value, existing, kind) in enumerate(pending):
            if index not in left_out:
                context.writes.actuals.append((value, existing, row.location))
                # The report lists the first changes only: the text of the others is never made.
                report.add_change(_actual_change(row, value, existing) if report.lists_changes else None, kind)
        for row, text, existing_text, kind in chunk.evaluations:
            context.writes.evaluations.append((text, existing_text))
            report.add_change(_evaluation_change(row, existing_text) if report.lists_changes else None, kind)

    # --- the end ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Check subsets (内数) with the file's figures in place of the stored ones, once every row is read."""
        self.flush()
        pending = {
            (r.kpi.pk, r.year, r.year, r.half): Actual(
                kpi=r.kpi,
                start_year=r.year,
                end_year=r.year,
                half=r.half,
                value=r.value,
                numerator=r.numerator,
                denominator=r.denominator,
            )
            for r in self.subset_rows
        }
        for row in self.subset_rows:
            value = ActualValue(row.kpi, row.year, row.year, row.half, row.value, row.numerator, row.denominator)
            try:
                check_subset(
                    row.kpi, start_year=row.year, end_year=row.year, half=row.half, figure=value.figure, pending=pending
                )
            except ValidationError as error:
                message = " ".join(error.messages)
                self.context.report.add_problem(message, sheet=row.sheet, row=row.number, column=row.figure_heading)
            self.context.writes.subsets.append((value, row.location))


# A row, what it writes, the stored row it replaces, and the report's count it adds to.
PendingActual = tuple[ActualRow, ActualValue, Actual | None, str]
PendingEvaluation = tuple[ActualRow, EvaluationText, Evaluation | None, str]


def _actual_change(row: ActualRow, value: ActualValue, existing: Actual | None) -> Change:
    new = _figure_text(row.kpi, value.value, value.numerator, value.denominator)
    if existing is None:
        return Change("新規", f"{row.what} 実績", new=new, sheet=row.sheet, row=row.number)
    old = _figure_text(row.kpi, existing.value, existing.numerator, existing.denominator)
    return Change("更新", f"{row.what} 実績", old=old, new=new, sheet=row.sheet, row=row.number)


def _evaluation_change(row: ActualRow, existing: Evaluation | None) -> Change:
    what, new = f"{row.what} 評価", _excerpt(row.comment)
    if existing is None:
        return Change("新規", what, new=new, sheet=row.sheet, row=row.number)
    return Change("更新", what, old=_excerpt(existing.text), new=new, sheet=row.sheet, row=row.number)


class _Chunk:
    """The changes of one chunk, before the refusals are checked."""

    def __init__(self) -> None:
        self.actuals: list[PendingActual] = []
        self.evaluations: list[PendingEvaluation] = []


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
