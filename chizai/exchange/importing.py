"""Importing regional KPI registers and actuals from .xlsx / .csv: dry run first, then all-or-nothing.

`run_import` is the one entry point (the import pages and `chizai import` call it). It works in two steps:

1. **check** (the whole dry run, and the first step of an apply): every sheet is read as a stream, every row
   validated, the stored rows it touches read in a few bulk queries (no transaction, no lock), and every
   change worked out in memory (`context.writes`, and the report's list). Nothing is written, so a long check
   never holds up anyone else's save. Sheet-specific rules live in `import_register` and `import_actuals`.
2. **write** (apply only, when the check found no problem): the KPI writers prepare the rows, audit entries and
   figures without a transaction (`prepare_actuals`, `prepare_evaluations`), then one short transaction
   (`write_prepared`) checks every stored row's version against the one the check read and writes in bulk: a
   row someone changed since is a conflict and nothing at all is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from chizai.exchange.columns import ACTUALS_COLUMNS, REGISTER_COLUMNS, YEAR_TARGET_SUFFIX, Column
from chizai.exchange.context import Header, ImportContext, KpiIndex, Location, Row
from chizai.exchange.import_actuals import ActualsImporter
from chizai.exchange.import_register import import_register_row
from chizai.exchange.normalize import OrganizationResolver, clean_text, header_key, parse_fiscal_year
from chizai.exchange.readers import FormulaCell, open_table
from chizai.exchange.report import ImportFileError, ImportReport
from chizai.kpis.actions import (
    ActualValue,
    ConflictError,
    EvaluationText,
    Prepared,
    RowsRefused,
    check_subsets,
    prepare_actuals,
    prepare_evaluations,
    save_kpi,
    save_targets,
    write_prepared,
)
from chizai.kpis.models import Actual, Evaluation, Plan
from chizai.lib.collector import collector_paused
from chizai.organizations.models import Organization

HEADER_SEARCH_ROWS = 20
FORMULA_MESSAGE = "数式は取り込めません。値として貼り付けてから保存してください。"
STALE_MESSAGE = "確認（ドライラン）の後に、他の利用者がデータを更新しました。もう一度確認してから反映してください。"
# Register rows (targets) handed to the bulk writer at once.
WRITE_ROWS = 5000
REGISTER, ACTUALS = "register", "actuals"
REGISTER_MARKERS = {"shape", "target_value", "target_year"}
ACTUALS_MARKERS = {"value", "year", "period", "numerator", "denominator"}


class _Refused(Exception):
    """Raised inside the write transaction, after reporting why, to undo everything written so far."""


def run_import(
    *,
    path: Any,
    file_name: str,
    sha256: str,
    plan: Plan,
    user: Any,
    organization: Organization | None = None,
    apply: bool,
    expected_fingerprint: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check (apply=False) or apply one file; nothing is written unless apply and every row is valid.

    A file that cannot be read at all (wrong type, broken, too big…) gives a report with one problem.
    """
    report = ImportReport(file_name=file_name, sha256=sha256)
    context = ImportContext(
        plan=plan,
        user=user,
        organization=organization,
        report=report,
        reason=f"ファイル取込: {file_name}（SHA-256: {sha256}）",
        progress=progress,
        kpis=KpiIndex(plan),
        resolver=OrganizationResolver(list(Organization.objects.all())),
    )
    try:
        _import_file(context, path, file_name)
    except ImportFileError as error:
        report.add_problem(error.message)
    if expected_fingerprint is not None and report.ok and expected_fingerprint != report.fingerprint:
        report.add_problem(STALE_MESSAGE)
    if apply and report.ok:
        _apply(context)
    if progress is not None:
        progress(report.rows_read)
    return report


def _apply(context: ImportContext) -> None:
    """Write every change the check worked out, all or nothing; a conflict or a refusal is reported instead."""
    writes = context.writes
    # Rows of a KPI this file's register creates have no KPI id yet: they are prepared once the KPI exists,
    # inside the transaction (a register and its actuals in one file are small). Everything else is prepared
    # before it, so nobody waits while the rows and their audit entries are built.
    known = [a for a in writes.actuals if a[0].kpi.pk is not None], [e for e in writes.evaluations if e[0].kpi.pk]
    late = [a for a in writes.actuals if a[0].kpi.pk is None], [e for e in writes.evaluations if not e[0].kpi.pk]
    try:
        with collector_paused():
            ahead = _prepare(context, *known)
            with transaction.atomic():
                _write(context, ahead, late)
    except ConflictError:
        context.report.add_problem(STALE_MESSAGE)
    except _Refused:
        pass
    except ValidationError as error:  # a rule the check does not know of: refuse, in the writer's words
        context.report.add_problem(" ".join(error.messages))
    else:
        context.report.applied = True


ActualWrites = list[tuple[ActualValue, Actual | None, Location]]
EvaluationWrites = list[tuple[EvaluationText, Evaluation | None]]


@dataclass
class _Ahead:
    """Actuals and evaluations prepared for `write_prepared`, with the file locations of the actuals."""

    parts: list[Prepared[Any]]
    locations: list[Location]


def _prepare(context: ImportContext, actuals: ActualWrites, texts: EvaluationWrites) -> _Ahead:
    """The writers' rows and audit entries for these actuals and evaluations, built without writing anything."""
    who = {"actor": context.user, "reason": context.reason}
    locations = [location for _, _, location in actuals]
    with _refusals_reported(context, locations):
        current = {row.key: existing for row, existing, _ in actuals if existing is not None}
        part = prepare_actuals(rows=[row for row, _, _ in actuals], current=current, **who)
    current_texts = {row.key: existing for row, existing in texts if existing is not None}
    texts_part = prepare_evaluations(rows=[row for row, _ in texts], current=current_texts, **who)
    return _Ahead([part, texts_part], locations)


def _write(context: ImportContext, ahead: _Ahead, late: tuple[ActualWrites, EvaluationWrites]) -> None:
    writes, actor, reason = context.writes, context.user, context.reason
    _write_kpis(context)
    for targets in _batches(writes.targets):
        current_targets = {row.key: existing for row, existing in targets if existing is not None}
        save_targets(rows=[row for row, _ in targets], current=current_targets, actor=actor, reason=reason)
    with _refusals_reported(context, ahead.locations):
        write_prepared(parts=ahead.parts)
    if any(late):
        now = _prepare(context, *late)
        with _refusals_reported(context, now.locations):
            write_prepared(parts=now.parts)
    with _refusals_reported(context, [location for _, location in writes.subsets]):
        check_subsets(rows=[row for row, _ in writes.subsets])  # against every figure as now stored


def _write_kpis(context: ImportContext) -> None:
    """The register's KPI definitions (a few hundred at most), one `save_kpi` each."""
    who = {"actor": context.user, "reason": context.reason}
    for item in context.writes.kpis:
        current = item.current
        if current is None:
            saved, _ = save_kpi(plan=context.plan, code=item.kpi.code, values=item.values, expected_version=0, **who)
            item.kpi.pk, item.kpi.version = saved.pk, saved.version  # the file's later rows refer to this object
            continue
        plan, version = context.plan, current.version
        save_kpi(plan=plan, code=current.code, values=item.values, current=current, expected_version=version, **who)


def _batches[T](items: list[T]) -> Iterable[list[T]]:
    for start in range(0, len(items), WRITE_ROWS):
        yield items[start : start + WRITE_ROWS]


@contextmanager
def _refusals_reported(context: ImportContext, locations: list[Location]) -> Iterator[None]:
    """Report a writer's RowsRefused on the rows they came from, then undo the whole write."""
    try:
        yield
    except RowsRefused as refused:
        for index, message in refused.problems:
            sheet, row, column = locations[index]
            context.report.add_problem(message, sheet=sheet, row=row, column=column)
        raise _Refused from refused


def _import_file(context: ImportContext, path: Any, file_name: str) -> None:
    actuals = ActualsImporter(context)
    is_csv = file_name.lower().endswith((".csv", ".txt"))
    with open_table(path, file_name) as sheets:
        for sheet in sheets:
            if getattr(sheet, "hidden", False):
                continue
            label = file_name if is_csv else str(getattr(sheet, "name", "") or file_name)
            for row in _data_rows(context, label, sheet.rows):
                if row.header.kind == REGISTER:
                    import_register_row(row)
                else:
                    actuals.add(row)
            actuals.flush()
    actuals.finish()
    context.report.fingerprint = context.fingerprint.hexdigest()
    if not context.report.kinds and not context.report.problem_count:
        context.report.add_problem(_unrecognised_message())


def _unrecognised_message() -> str:
    register = "・".join(c.header for c in REGISTER_COLUMNS if c.required)
    actuals = "・".join(c.header for c in ACTUALS_COLUMNS if c.required)
    return (
        "取り込めるシートが見つかりませんでした。KPI一覧には「"
        f"{register}」の列が、実績には「{actuals}」と「実績」「年度」または「期」の列が必要です"
        f"（見出し行は先頭{HEADER_SEARCH_ROWS}行以内に置いてください）。"
    )


def _data_rows(context: ImportContext, sheet: str, rows: Iterable[tuple[int, list[Any]]]) -> Iterable[Row]:
    """The sheet's non-empty rows below its header; nothing if the sheet has no recognisable header."""
    header: Header | None = None
    for number, cells in rows:
        if header is None:
            if number > HEADER_SEARCH_ROWS:
                return
            header = _find_header(number, cells)
            if header is not None and not _header_complete(context, sheet, header):
                return
            if header is not None:
                context.report.kinds.append(header.kind)
            continue
        if all(_is_blank(cell) for cell in cells):
            continue
        context.count_row()
        row = Row(context, sheet, number, cells, header)
        formulas = [i for i, cell in enumerate(cells) if isinstance(cell, FormulaCell)]
        for index in formulas:
            row.problem(FORMULA_MESSAGE, index=index)
        if not formulas:
            yield row


def _is_blank(cell: Any) -> bool:
    return cell is None or (not isinstance(cell, FormulaCell) and clean_text(cell) == "")


def _heading_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for column in (*REGISTER_COLUMNS, *ACTUALS_COLUMNS):
        for text in (column.header, *column.aliases):
            keys.setdefault(header_key(text), column.key)
    return keys


HEADING_KEYS = _heading_keys()


def _year_target(key: str) -> int | None:
    if not key.endswith(YEAR_TARGET_SUFFIX) or key == YEAR_TARGET_SUFFIX:
        return None
    try:
        return parse_fiscal_year(key[: -len(YEAR_TARGET_SUFFIX)])
    except ValueError:
        return None


def _find_header(number: int, cells: list[Any]) -> Header | None:
    columns: dict[str, int] = {}
    headings: dict[int, str] = {}
    year_targets: dict[int, int] = {}
    for index, cell in enumerate(cells):
        if cell is None or isinstance(cell, FormulaCell):
            continue
        written = clean_text(cell)
        key = header_key(written)
        column_key = HEADING_KEYS.get(key)
        year = None if column_key else _year_target(key)
        if column_key and column_key not in columns:
            columns[column_key] = index
        elif year is not None and year not in year_targets:
            year_targets[year] = index
        else:
            continue
        headings[index] = written
    if "name" not in columns:
        return None
    if REGISTER_MARKERS & columns.keys() or year_targets:
        return Header(number, REGISTER, columns, headings, year_targets)
    if ACTUALS_MARKERS & columns.keys():
        return Header(number, ACTUALS, columns, headings)
    return None


def _header_complete(context: ImportContext, sheet: str, header: Header) -> bool:
    required: tuple[Column, ...] = REGISTER_COLUMNS if header.kind == REGISTER else ACTUALS_COLUMNS
    missing = [
        c.header
        for c in required
        if c.required
        and c.key not in header.columns
        and not (c.key == "organization" and context.organization is not None)
    ]
    if missing:
        context.report.add_problem(
            f"必要な列がありません: {'、'.join(f'「{m}」' for m in missing)}", sheet=sheet, row=header.row_number
        )
        return False
    return True
