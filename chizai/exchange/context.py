"""What one import shares while it reads its sheets: the context, the header and rows, and the KPI lookups.

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
from chizai.kpis.forms import JapaneseNumberField
from chizai.kpis.models import Kpi, Plan, Target
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
