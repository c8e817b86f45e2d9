"""Register rows (KPI一覧): one regional KPI per row, with its baseline and targets.

A KPI is found by its KPIコード, else by (prefecture, name); a new one gets the next free code
`r<jis>-<n>`. Targets named in the file are created or updated; targets not in the file are left alone.
Nothing is written here: each row's KPI and targets are compared with the stored ones and the differences go
to `context.writes` (the apply writes them through `save_kpi` and `save_targets`). A KPI the file creates or
changes is kept in the KPI index as it will be, so that the file's actuals rows see it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from chizai.audit.log import diff
from chizai.exchange.columns import SHAPE_LABELS, with_qualitative_aim
from chizai.exchange.context import KpiWrite, Row, name_key
from chizai.exchange.normalize import clean_text, parse_fiscal_year, parse_shape
from chizai.exchange.report import Change
from chizai.kpis.actions import MAX_KPI_DESCRIPTION, MAX_KPI_NAME, TargetValue, kpi_state
from chizai.kpis.models import Kpi, KpiKind, Shape, Target
from chizai.lib.numbers import format_quantity
from chizai.organizations.models import Organization, OrganizationKind

MAX_UNIT = Kpi._meta.get_field("unit").max_length or 10
MAX_SOURCE = Kpi._meta.get_field("target_source").max_length or 200
MAX_NAME = MAX_KPI_NAME
MAX_AIM = 4000


@dataclass
class RegisterEntry:
    """What one valid register row says about its KPI."""

    organization: Organization
    code: str
    name: str
    unit: str
    shape: str
    baseline_year: int | None
    baseline_value: Decimal | None
    vision: str
    targets: dict[int, Decimal]
    qualitative_aims: list[str]


def import_register_row(row: Row) -> None:
    entry = _read(row)
    if entry is None or row.failed:
        return
    context = row.context
    kpi = context.kpis.find(entry.organization, entry.code, entry.name)
    if entry.code and kpi is None:
        row.problem(
            f"KPIコード「{entry.code}」は、{entry.organization.name}の{context.plan.name}のKPIとして登録されていません。",
            "code",
        )
        return
    if kpi is not None and kpi.kind != KpiKind.REGIONAL:
        row.problem("地域KPI以外のKPIは、このファイルでは取り込めません。", "name")
        return
    if kpi is not None and kpi.shape != Shape.BASELINE_TARGET and entry.shape == Shape.BASELINE_TARGET:
        _require_baseline(row, entry, kpi)
    if row.failed or not _first_occurrence(row, entry):
        return
    if kpi is None:
        kpi, changed = _create(row, entry), True
    else:
        kpi, changed = _update(row, entry, kpi)
    if kpi is None:
        return
    target_changed = _write_targets(row, entry, kpi)
    if not (changed or target_changed):
        context.report.counts["変更なし"] += 1


def _first_occurrence(row: Row, entry: RegisterEntry) -> bool:
    key = (entry.organization.pk, entry.code or name_key(entry.name))
    earlier = row.context.register_rows.get(key)
    if earlier is not None:
        row.problem(f"同じKPIの行が{earlier}行目にもあります。", "name")
        return False
    row.context.register_rows[key] = row.number
    return True


def _read(row: Row) -> RegisterEntry | None:
    organization = row.context.organization_of(row)
    if organization is not None and organization.kind != OrganizationKind.PREFECTURE:
        row.problem("地域KPIは都道府県ごとに登録します。都道府県名を入力してください。", "organization")
    name = row.text("name")
    if not name:
        row.problem("KPI名を入力してください。", "name")
    elif len(name) > MAX_NAME:
        row.problem(f"KPI名は{MAX_NAME:,}文字以内で入力してください。", "name")
    shape = _shape(row)
    unit = row.text("unit").replace("％", "%")
    if not unit and shape != Shape.QUALITATIVE:
        row.problem("単位を入力してください（件、社、%など）。", "unit")
    elif len(unit) > MAX_UNIT:
        row.problem(f"単位は{MAX_UNIT}文字以内で入力してください。", "unit")
    if shape == Shape.RATIO and unit and unit != "%":
        row.problem("割合の形式では、単位を「%」にしてください。", "unit")
        unit = "%"
    vision = row.text("vision")
    if len(vision) > MAX_SOURCE:
        row.problem(f"産業振興ビジョンは{MAX_SOURCE}文字以内で入力してください。", "vision")
    baseline_year = _year(row, "baseline_year")
    baseline_value = row.figure("baseline_value")
    targets, aims = _targets(row, shape)
    if organization is None or not name or shape is None:
        return None
    entry = RegisterEntry(
        organization, row.text("code"), name, unit, shape, baseline_year, baseline_value, vision, targets, aims
    )
    if shape == Shape.BASELINE_TARGET:
        _require_baseline(row, entry, None)
    return entry


def _require_baseline(row: Row, entry: RegisterEntry, kpi: Kpi | None) -> None:
    has_year = entry.baseline_year is not None or (kpi is not None and kpi.baseline_year is not None)
    has_value = entry.baseline_value is not None or (kpi is not None and kpi.baseline_value is not None)
    if not (has_year and has_value):
        row.problem("基準値→目標値の形式では、基準年度と基準値を入力してください。", "baseline_value")


def _shape(row: Row) -> str | None:
    if not row.text("shape"):
        row.problem(f"形式を入力してください（{' / '.join(SHAPE_LABELS.values())}）。", "shape")
        return None
    try:
        return parse_shape(row.raw("shape"))
    except ValueError as error:
        row.problem(str(error), "shape")
        return None


def _year(row: Row, key: str, *, index: int | None = None) -> int | None:
    raw = row.cell(index) if index is not None else row.raw(key)
    if clean_text(raw) == "":
        return None
    try:
        return parse_fiscal_year(raw)
    except ValueError as error:
        row.problem(str(error), key, index=index)
        return None


def _targets(row: Row, shape: str | None) -> tuple[dict[int, Decimal], list[str]]:
    """Targets by fiscal year (numbers), or the qualitative aims (text) of a qualitative KPI."""
    targets: dict[int, Decimal] = {}
    aims: list[str] = []
    maximum = Decimal(100) if shape == Shape.RATIO else None
    plan = row.context.plan
    cells: list[tuple[int | None, str, int | None]] = []  # (year, key, column index)
    if row.text("target_value") or row.text("target_year"):
        year = _year(row, "target_year")
        if year is None and not row.failed and shape != Shape.QUALITATIVE:
            row.problem("目標年度を入力してください。", "target_year")
        cells.append((year, "target_value", None))
    cells += [(year, "", index) for year, index in row.header.year_targets.items() if clean_text(row.cell(index))]
    for year, key, index in cells:
        if shape == Shape.QUALITATIVE:
            text = clean_text(row.cell(index) if index is not None else row.raw(key))
            if len(text) > MAX_AIM:
                row.problem(f"定性の目標は{MAX_AIM:,}文字以内で入力してください。", key, index=index)
            aims.append(f"{year}年度: {text}" if year is not None and index is not None else text)
            continue
        value = row.figure(key, index=index, maximum=maximum)
        if key and value is None and not row.failed:
            row.problem("目標値を入力してください。", key)
        if year is None or value is None:
            continue
        if year not in plan.fiscal_years:
            message = f"目標年度（{year}年度）が計画期間（{plan.period_label}）の外です。"
            row.problem(message, "target_year" if key else "", index=index)
        elif year in targets and targets[year] != value:
            row.problem(f"{year}年度の目標が2か所に異なる値で入力されています。", key, index=index)
        targets[year] = value
    return targets, aims


def _describe(entry: RegisterEntry, description: str) -> str:
    """The KPI's description with its qualitative aim (目標（定性）: …) replaced or added."""
    if not entry.qualitative_aims:
        return description
    return with_qualitative_aim(description, " / ".join(entry.qualitative_aims))


def _create(row: Row, entry: RegisterEntry) -> Kpi | None:
    context = row.context
    values = {
        "sort_order": context.kpis.max_sort_order + 1,
        "kind": KpiKind.REGIONAL,
        "name": entry.name,
        "owner": entry.organization,
        "unit": entry.unit,
        "shape": entry.shape,
        "baseline_year": entry.baseline_year,
        "baseline_value": entry.baseline_value,
        "target_source": entry.vision,
        "description": _describe(entry, ""),
    }
    kpi = Kpi(plan=context.plan, code=context.kpis.next_regional_code(entry.organization), **values)
    if not _valid(row, kpi):
        return None
    context.kpis.add(kpi)
    context.writes.kpis.append(KpiWrite(kpi, None, values))
    change = Change(
        "新規",
        f"{entry.organization.display_name} {kpi.short_name}（KPI）",
        new=f"{SHAPE_LABELS[entry.shape]}・{entry.unit or '—'}",
        sheet=row.sheet,
        row=row.number,
    )
    context.report.add_change(change, "KPI 新規")
    return kpi


def _update(row: Row, entry: RegisterEntry, kpi: Kpi) -> tuple[Kpi | None, bool]:
    context = row.context
    context.read_for_update("kpi", kpi.pk, kpi.version)
    values = {
        # the same name up to spaces and width keeps its stored spelling
        "name": entry.name if name_key(kpi.name) != name_key(entry.name) else kpi.name,
        "shape": entry.shape,
        "unit": entry.unit or kpi.unit,
        "baseline_year": kpi.baseline_year if entry.baseline_year is None else entry.baseline_year,
        "baseline_value": kpi.baseline_value if entry.baseline_value is None else entry.baseline_value,
        "target_source": entry.vision or kpi.target_source,
        "description": _describe(entry, kpi.description),
    }
    if all(getattr(kpi, name) == value for name, value in values.items()):  # as save_kpi decides
        return kpi, False
    changed = copy.copy(kpi)
    for name, value in values.items():
        setattr(changed, name, value)
    if not _valid(row, changed):
        return None, False
    context.kpis.replace(kpi, changed)
    context.writes.kpis.append(KpiWrite(changed, kpi, values))
    changes = diff(kpi_state(kpi), kpi_state(changed))
    fields = "、".join(str(getattr(Kpi._meta.get_field(f), "verbose_name", f)) for f in changes if _is_field(f))
    change = Change(
        "更新",
        f"{entry.organization.display_name} {changed.short_name}（KPI）",
        new=fields,
        sheet=row.sheet,
        row=row.number,
    )
    context.report.add_change(change, "KPI 更新")
    return changed, True


def _valid(row: Row, kpi: Kpi) -> bool:
    """The definition's own rules, as `save_kpi` checks them when it writes."""
    if len(kpi.description) > MAX_KPI_DESCRIPTION:
        row.problem(f"定義・補足は{MAX_KPI_DESCRIPTION:,}文字以内にしてください（定性の目標が長すぎます）。")
        return False
    try:
        kpi.clean()
    except ValidationError as error:
        row.problem(" ".join(error.messages))
        return False
    return True


def _is_field(name: str) -> bool:
    return any(f.name == name for f in Kpi._meta.get_fields())


def _write_targets(row: Row, entry: RegisterEntry, kpi: Kpi) -> bool:
    changed = False
    for year, value in sorted(entry.targets.items()):
        start = row.context.plan.first_fiscal_year if entry.shape == Shape.CUMULATIVE else year
        note = "以上" if entry.shape == Shape.RATIO else None
        changed |= _write_target(row, kpi, start, year, value, note)
    return changed


def _write_target(row: Row, kpi: Kpi, start: int, end: int, value: Decimal, note: str | None) -> bool:
    context = row.context
    targets = context.kpis.targets
    existing = targets.get((kpi.code, start, end))
    what = f"{kpi.owner.name} {kpi.short_name} {kpi.label_period(start, end)} 目標"
    if existing is not None:
        context.read_for_update("target", existing.pk, existing.version)
        if existing.value == value and (note is None or existing.note == note):
            return False
    version = existing.version if existing is not None else 0
    context.writes.targets.append((TargetValue(kpi, start, end, value, note, expected_version=version), existing))
    targets[(kpi.code, start, end)] = Target(kpi=kpi, start_year=start, end_year=end, value=value, version=version)
    if existing is None:
        change = Change("新規", what, new=format_quantity(value, kpi.unit), sheet=row.sheet, row=row.number)
        context.report.add_change(change, "目標 新規")
        return True
    change = Change(
        "更新",
        what,
        old=format_quantity(existing.value, kpi.unit),
        new=format_quantity(value, kpi.unit),
        sheet=row.sheet,
        row=row.number,
    )
    context.report.add_change(change, "目標 更新")
    return True
