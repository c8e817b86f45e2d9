"""Importing regional KPI registers and actuals from .xlsx / .csv: dry run first, then all-or-nothing.

`run_import` is the one entry point (the import pages and `chizai import` call it). Every sheet
is read as a stream; each row is validated and written inside one transaction, which is rolled back at
the end of a dry run or whenever any row has a problem, so the dry run reports exactly what the apply
would do and nothing is ever half-written. Sheet-specific rules live in `import_register` and
`import_actuals`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db import transaction

from chizai.exchange.columns import ACTUALS_COLUMNS, REGISTER_COLUMNS, YEAR_TARGET_SUFFIX, Column
from chizai.exchange.normalize import (
    OrganizationResolver,
    clean_text,
    header_key,
    parse_fiscal_year,
    parse_quantity,
)
from chizai.exchange.readers import FormulaCell, open_table
from chizai.exchange.report import ImportFileError, ImportReport
from chizai.kpis.forms import JapaneseNumberField
from chizai.kpis.models import Kpi, Plan, Target
from chizai.lib.numbers import format_number
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization

NUMBER_FIELD = JapaneseNumberField()  # the entry form's rules for a figure: >= 0, not too big, 2 decimals
HEADER_SEARCH_ROWS = 20
PROGRESS_EVERY = 1000
FORMULA_MESSAGE = "数式は取り込めません。値として貼り付けてから保存してください。"
STALE_MESSAGE = "確認（ドライラン）の後に、他の利用者がデータを更新しました。もう一度確認してから反映してください。"
REGISTER, ACTUALS = "register", "actuals"
REGISTER_MARKERS = {"shape", "target_value", "target_year"}
ACTUALS_MARKERS = {"value", "year", "period", "numerator", "denominator"}


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or an import with problems."""


def name_key(name: str) -> str:
    """KPI names are matched after NFKC and without any whitespace, as headings are."""
    return header_key(name)


@dataclass
class Header:
    """The heading row of a sheet: which column holds what, and the heading as written (for locations)."""

    row_number: int
    kind: str
    columns: dict[str, int]
    headings: dict[int, str]
    year_targets: dict[int, int] = field(default_factory=dict)  # fiscal year -> column index


@dataclass
class Row:
    """One data row of a sheet, read through its header; problems are located on it."""

    context: ImportContext
    sheet: str
    number: int
    cells: list[Any]
    header: Header

    def raw(self, key: str) -> Any:
        index = self.header.columns.get(key)
        return self.cell(index)

    def cell(self, index: int | None) -> Any:
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def text(self, key: str) -> str:
        return clean_text(self.raw(key))

    def heading(self, key: str) -> str:
        index = self.header.columns.get(key)
        return self.header.headings.get(index, "") if index is not None else ""

    failed: bool = False

    def problem(self, message: str, key: str = "", *, index: int | None = None) -> None:
        column = self.header.headings.get(index, "") if index is not None else self.heading(key) if key else ""
        self.context.report.add_problem(message, sheet=self.sheet, row=self.number, column=column)
        self.failed = True

    def figure(self, key: str, *, index: int | None = None, maximum: Decimal | None = None) -> Decimal | None:
        """A non-negative number as on the entry forms (1,234件 / 15% / １２３), or None if blank or bad."""
        raw = self.cell(index) if index is not None else self.raw(key)
        try:
            number = parse_quantity(raw)
        except ValueError as error:
            self.problem(str(error), key, index=index)
            return None
        if number is None:
            return None
        try:
            checked = NUMBER_FIELD.clean(format(number, "f"))
        except forms.ValidationError as error:
            self.problem(" ".join(error.messages), key, index=index)
            return None
        if maximum is not None and checked is not None and checked > maximum:
            self.problem(f"{format_number(maximum)}以下で入力してください。", key, index=index)
            return None
        return checked


class KpiIndex:
    """The plan's KPIs by code and by (owner, name), loaded once; the register adds the KPIs it creates."""

    def __init__(self, plan: Plan) -> None:
        kpis = list(Kpi.objects.filter(plan=plan).select_related("owner", "plan"))
        self.by_code: dict[str, Kpi] = {k.code: k for k in kpis}
        self.by_name: dict[tuple[int, str], Kpi] = {}
        for kpi in kpis:
            self.by_name.setdefault((kpi.owner_id, name_key(kpi.name)), kpi)
        self.parent_ids = {k.parent_id for k in kpis if k.parent_id}
        self.max_sort_order = max((k.sort_order for k in kpis), default=0)
        self._targets: dict[tuple[int, int, int], Target] | None = None
        self.plan = plan

    @property
    def targets(self) -> dict[tuple[int, int, int], Target]:
        """(kpi id, start year, end year) -> target, for every KPI of the plan (loaded on first use)."""
        if self._targets is None:
            self._targets = {
                (t.kpi_id, t.start_year, t.end_year): t for t in Target.objects.filter(kpi__plan=self.plan)
            }
        return self._targets

    def find(self, organization: Organization, code: str, name: str) -> Kpi | None:
        if code:
            kpi = self.by_code.get(code)
            return kpi if kpi is not None and kpi.owner_id == organization.pk else None
        return self.by_name.get((organization.pk, name_key(name)))

    def add(self, kpi: Kpi) -> None:
        self.by_code[kpi.code] = kpi
        self.by_name[(kpi.owner_id, name_key(kpi.name))] = kpi
        self.max_sort_order = max(self.max_sort_order, kpi.sort_order)

    def renamed(self, kpi: Kpi, old_name: str) -> None:
        if self.by_name.get((kpi.owner_id, name_key(old_name))) is kpi:
            del self.by_name[(kpi.owner_id, name_key(old_name))]
        self.by_name[(kpi.owner_id, name_key(kpi.name))] = kpi

    def is_in_subset_pair(self, kpi: Kpi) -> bool:
        return bool(kpi.parent_id) or kpi.pk in self.parent_ids

    def next_regional_code(self, organization: Organization) -> str:
        prefix = f"r{organization.jis_code}-"
        numbers = [int(code[len(prefix) :]) for code in self.by_code if re.fullmatch(rf"{prefix}\d+", code)]
        return f"{prefix}{max(numbers, default=0) + 1}"


@dataclass
class ImportContext:
    """What every sheet of one import shares: the plan, the user, the report and the lookups."""

    plan: Plan
    user: Any
    organization: Organization | None
    report: ImportReport
    reason: str
    apply: bool
    progress: Callable[[int], None] | None
    kpis: KpiIndex
    resolver: OrganizationResolver
    fingerprint: Any = field(default_factory=hashlib.sha256)
    editable: dict[int, bool] = field(default_factory=dict)
    register_rows: dict[tuple[int, str], int] = field(default_factory=dict)  # (owner, name key) -> row

    def read_for_update(self, model: str, pk: int, version: int) -> None:
        """Feed an existing row into the fingerprint, in file order."""
        self.fingerprint.update(f"({model},{pk},{version})".encode())

    def count_row(self) -> None:
        self.report.rows_read += 1
        if self.progress is not None and self.report.rows_read % PROGRESS_EVERY == 0:
            self.progress(self.report.rows_read)

    def organization_of(self, row: Row) -> Organization | None:
        """The row's organisation (blank: the import's own), or None after reporting why not."""
        value = row.raw("organization")
        if clean_text(value) == "":
            if self.organization is None:
                row.problem("都道府県を入力してください。", "organization")
            return self.organization
        try:
            organization = self.resolver.resolve(value)
        except ValueError as error:
            row.problem(str(error), "organization")
            return None
        if self.organization is not None and organization.pk != self.organization.pk:
            row.problem(
                f"{organization.name}の行です。この取込は{self.organization.name}のデータのみを対象としています。",
                "organization",
            )
            return None
        if not self.may_edit(organization):
            row.problem(f"{organization.name}のデータを取り込む権限がありません。", "organization")
            return None
        return organization

    def may_edit(self, organization: Organization) -> bool:
        if organization.pk not in self.editable:
            self.editable[organization.pk] = can_edit_organization(self.user, organization)
        return self.editable[organization.pk]


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
    try:
        with transaction.atomic():
            context = ImportContext(
                plan=plan,
                user=user,
                organization=organization,
                report=report,
                reason=f"ファイル取込: {file_name}（SHA-256: {sha256}）",
                apply=apply,
                progress=progress,
                kpis=KpiIndex(plan),
                resolver=OrganizationResolver(list(Organization.objects.all())),
            )
            _import_file(context, path, file_name)
            if expected_fingerprint is not None and expected_fingerprint != report.fingerprint:
                report.add_problem(STALE_MESSAGE)
            if not apply or report.problem_count:
                raise _RollBack
            report.applied = True
    except _RollBack:
        pass
    except ImportFileError as error:
        report.add_problem(error.message)
    if progress is not None:
        progress(report.rows_read)
    return report


def _import_file(context: ImportContext, path: Any, file_name: str) -> None:
    from chizai.exchange.import_actuals import ActualsImporter
    from chizai.exchange.import_register import import_register_row

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
