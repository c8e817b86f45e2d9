"""What one import shares while it reads its sheets: the context, the header and rows, the KPI lookups, and the
changes it has worked out so far (`Writes`), which the apply hands to the KPI writers.

Apart from `importing` (the entry point) so that the sheet readers (`import_register`, `import_actuals`) and the
entry point that calls them import it, not each other.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms

from chizai.exchange.normalize import OrganizationResolver, clean_text, header_key, parse_quantity
from chizai.exchange.report import ImportReport
from chizai.kpis.actions import ActualValue, EvaluationText, TargetValue
from chizai.kpis.forms import JapaneseNumberField
from chizai.kpis.models import Actual, Evaluation, Kpi, Plan, Target
from chizai.lib.numbers import format_number
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization

NUMBER_FIELD = JapaneseNumberField()  # the entry form's rules for a figure: >= 0, not too big, 2 decimals
PROGRESS_EVERY = 1000


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
            checked: Decimal | None = NUMBER_FIELD.clean(format(number, "f"))
        except forms.ValidationError as error:
            self.problem(" ".join(error.messages), key, index=index)
            return None
        if maximum is not None and checked is not None and checked > maximum:
            self.problem(f"{format_number(maximum)}以下で入力してください。", key, index=index)
            return None
        return checked


class KpiIndex:
    """The plan's KPIs by code and by (owner, name), loaded once; the register adds the KPIs it would create."""

    def __init__(self, plan: Plan) -> None:
        kpis = list(Kpi.objects.filter(plan=plan).select_related("owner", "plan"))
        self.by_code: dict[str, Kpi] = {k.code: k for k in kpis}
        self.by_name: dict[tuple[int, str], Kpi] = {}
        for kpi in kpis:
            self.by_name.setdefault((kpi.owner_id, name_key(kpi.name)), kpi)
        self.parent_ids = {k.parent_id for k in kpis if k.parent_id}
        self.max_sort_order = max((k.sort_order for k in kpis), default=0)
        self._targets: dict[tuple[str, int, int], Target] | None = None
        self._name_keys: dict[str, str] = {}
        self.plan = plan

    @property
    def targets(self) -> dict[tuple[str, int, int], Target]:
        """(KPI code, start year, end year) -> target, for every KPI of the plan (loaded on first use).

        Keyed by code, since a KPI the register would create has no id yet; a target the import would write is
        put here (unsaved) so that later rows see it.
        """
        if self._targets is None:
            codes = {k.pk: code for code, k in self.by_code.items()}
            self._targets = {
                (codes[t.kpi_id], t.start_year, t.end_year): t
                for t in Target.objects.filter(kpi__plan=self.plan)
                if t.kpi_id in codes
            }
        return self._targets

    def find(self, organization: Organization, code: str, name: str) -> Kpi | None:
        if code:
            kpi = self.by_code.get(code)
            return kpi if kpi is not None and kpi.owner_id == organization.pk else None
        key = self._name_keys.get(name)
        if key is None:  # a KPI's name is on each of its rows: reduced once
            key = self._name_keys[name] = name_key(name)
        return self.by_name.get((organization.pk, key))

    def add(self, kpi: Kpi) -> None:
        self.by_code[kpi.code] = kpi
        self.by_name[(kpi.owner_id, name_key(kpi.name))] = kpi
        self.max_sort_order = max(self.max_sort_order, kpi.sort_order)

    def replace(self, old: Kpi, new: Kpi) -> None:
        """`new` (the KPI with the register's values, not saved yet) answers for `old` from now on."""
        self.by_code[new.code] = new
        if self.by_name.get((old.owner_id, name_key(old.name))) is old:
            del self.by_name[(old.owner_id, name_key(old.name))]
        self.by_name[(new.owner_id, name_key(new.name))] = new

    def is_in_subset_pair(self, kpi: Kpi) -> bool:
        return bool(kpi.parent_id) or kpi.pk in self.parent_ids

    def next_regional_code(self, organization: Organization) -> str:
        prefix = f"r{organization.jis_code}-"
        numbers = [int(code[len(prefix) :]) for code in self.by_code if re.fullmatch(rf"{prefix}\d+", code)]
        return f"{prefix}{max(numbers, default=0) + 1}"


# Where a row was read, for a problem the apply finds: (sheet, row number, column heading).
Location = tuple[str, int, str]


@dataclass
class KpiWrite:
    """A KPI definition the import creates (`current` None; `kpi` unsaved) or changes (`kpi` is a changed copy)."""

    kpi: Kpi
    current: Kpi | None
    values: dict[str, Any]


@dataclass
class Writes:
    """Every change an import would make, worked out without writing: what the apply hands to the KPI writers.

    Each row comes with the stored row it replaces (None: a new one), read when the file was checked; the
    writers compare versions against it, so a row someone changed since is a conflict, never overwritten.
    Unchanged rows are not kept.
    """

    kpis: list[KpiWrite] = field(default_factory=list)
    targets: list[tuple[TargetValue, Target | None]] = field(default_factory=list)
    actuals: list[tuple[ActualValue, Actual | None, Location]] = field(default_factory=list)
    evaluations: list[tuple[EvaluationText, Evaluation | None]] = field(default_factory=list)
    subsets: list[tuple[ActualValue, Location]] = field(default_factory=list)  # rows of a subset pair (内数)


@dataclass
class ImportContext:
    """What every sheet of one import shares: the plan, the user, the report and the lookups."""

    plan: Plan
    user: Any
    organization: Organization | None
    report: ImportReport
    reason: str
    progress: Callable[[int], None] | None
    kpis: KpiIndex
    resolver: OrganizationResolver
    fingerprint: Any = field(default_factory=hashlib.sha256)
    editable: dict[int, bool] = field(default_factory=dict)
    register_rows: dict[tuple[int, str], int] = field(default_factory=dict)  # (owner, name key) -> row
    writes: Writes = field(default_factory=Writes)

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
