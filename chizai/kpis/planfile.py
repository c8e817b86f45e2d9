"""Plan files (plans/*.yaml): parse and validate every entry first, then write all in one transaction.

Loading is idempotent: a second load of the same file changes nothing and writes no audit entry.
Figures that came from a plan file and are no longer in it are removed; figures entered in the system
(regional KPIs, actuals typed in by a prefecture) are never touched, nor are actuals counted from hands-on
support cases (source computed) for a KPI with a `counting_rule:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from chizai.kpis.actions import (
    ActualValue,
    EvaluationText,
    RowsRefused,
    TargetValue,
    WriteCounts,
    save_actuals,
    save_evaluations,
    save_kpi,
    save_plan,
    save_targets,
)
from chizai.kpis.counting_rules import rule_named, rule_names
from chizai.kpis.models import (
    COUNTED_SOURCES,
    Actual,
    ActualSource,
    Direction,
    Evaluation,
    HalfChoice,
    Kpi,
    KpiKind,
    PeriodBasis,
    Plan,
    Shape,
    Target,
)
from chizai.organizations.models import Organization
from chizai.organizations.types import Actor

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(\d{4}))?(H1|H2)?$")


class PlanFileError(Exception):
    """A plan file that cannot be loaded; `messages` lists every problem, in Japanese."""

    def __init__(self, path: str, messages: list[str]) -> None:
        self.path = path
        self.messages = messages
        super().__init__(f"{path}: " + " / ".join(messages))


@dataclass
class Figure:
    start_year: int
    end_year: int
    half: str
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str = ""
    text: str = ""


@dataclass
class KpiEntry:
    code: str
    fields: dict[str, Any]
    owner_code: str
    parent_code: str | None
    targets: list[Figure] = field(default_factory=list)
    actuals: list[Figure] = field(default_factory=list)
    evaluations: list[Figure] = field(default_factory=list)


@dataclass
class PlanData:
    fields: dict[str, Any]
    kpis: list[KpiEntry]


@dataclass
class LoadSummary:
    plan: Plan
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def parse(self, document: Any) -> PlanData:
        if not isinstance(document, dict) or not isinstance(document.get("plan"), dict):
            raise PlanFileError(self.path, ["先頭に plan: の項目が必要です。"])
        plan_fields = self.plan_fields(document["plan"])
        kpis = document.get("kpis") or []
        if not isinstance(kpis, list):
            raise PlanFileError(self.path, ["kpis: は一覧で書いてください。"])
        entries = [e for i, raw in enumerate(kpis) if (e := self.kpi(i, raw)) is not None]
        self.check_references(entries)
        if self.errors:
            raise PlanFileError(self.path, self.errors)
        return PlanData(plan_fields, entries)

    def plan_fields(self, raw: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key in ("number", "first_fiscal_year", "last_fiscal_year"):
            if not isinstance(raw.get(key), int):
                self.error("plan", f"{key} には整数が必要です。")
        if not raw.get("name"):
            self.error("plan", "name（計画の名称）が必要です。")
        for key in ("number", "name", "first_fiscal_year", "last_fiscal_year", "published", "source", "description"):
            if key in raw:
                result[key] = raw[key] if key not in ("published", "source", "description") else str(raw[key])
        return result

    def kpi(self, index: int, raw: Any) -> KpiEntry | None:
        where = f"kpis[{index + 1}]"
        if not isinstance(raw, dict) or not raw.get("code"):
            self.error(where, "code（KPIコード）が必要です。")
            return None
        where = f"kpis[{index + 1}]（{raw['code']}）"
        fields: dict[str, Any] = {
            "numbering": str(raw.get("numbering", "")),
            "sort_order": index + 1,
            "name": str(raw.get("name", "")).strip(),
            "description": str(raw.get("description", "")).strip(),
            "unit": str(raw.get("unit", "")),
            "target_source": str(raw.get("target_source", "")),
            "measurable": bool(raw.get("measurable", True)),
            "decimals": raw.get("decimals", 0),
        }
        if not fields["name"]:
            self.error(where, "name（指標名）が必要です。")
        if not fields["unit"]:
            self.error(where, "unit（単位）が必要です。")
        if fields["decimals"] not in (0, 1, 2):
            self.error(where, "decimals は 0、1、2 のいずれかです。")
        for key, choices, default in (
            ("kind", KpiKind, None),
            ("shape", Shape, Shape.PER_PERIOD),
            ("period_basis", PeriodBasis, PeriodBasis.FISCAL_YEAR),
            ("direction", Direction, Direction.HIGHER),
        ):
            value = raw.get(key, default)
            if value not in choices.values:
                allowed = "、".join(choices.values)
                self.error(where, f"{key} の値「{value}」は使えません（{allowed}）。")
            fields[key] = value
        baseline = raw.get("baseline")
        fields["baseline_value"] = None
        fields["baseline_year"] = None
        if baseline is not None:
            if not isinstance(baseline, dict) or "value" not in baseline:
                self.error(where, "baseline は {year: 2018, value: 4379} の形で書いてください。")
            else:
                fields["baseline_value"] = self.number(where, baseline["value"])
                fields["baseline_year"] = baseline.get("year")
        if fields["shape"] == Shape.BASELINE_TARGET and fields["baseline_value"] is None:
            self.error(where, "基準値→目標値（baseline_target）の指標には baseline が必要です。")
        fields["counting_rule"] = self.counting_rule(where, raw.get("counting_rule"), fields["shape"])
        entry = KpiEntry(
            code=str(raw["code"]),
            fields=fields,
            owner_code=str(raw.get("owner", "")),
            parent_code=str(raw["parent"]) if raw.get("parent") else None,
        )
        entry.targets = self.figures(f"{where} targets", raw.get("targets"), allow_half=False)
        entry.actuals = self.figures(f"{where} actuals", raw.get("actuals"), allow_half=True)
        entry.evaluations = self.texts(f"{where} evaluations", raw.get("evaluations"))
        return entry

    def counting_rule(self, where: str, raw: Any, shape: str) -> str:
        """A rule that counts the KPI's actuals from hands-on support cases (registered by the cases app)."""
        if raw is None or raw == "":
            return ""
        rule = rule_named(str(raw))
        if rule is None:
            allowed = "、".join(rule_names())
            self.error(where, f"集計ルール（counting_rule）「{raw}」はありません（使えるもの: {allowed}）。")
            return ""
        if rule.is_ratio != (shape == Shape.RATIO):
            kind = "割合（ratio）の指標にだけ" if rule.is_ratio else "割合（ratio）以外の指標にだけ"
            self.error(where, f"集計ルール「{raw}」は{kind}使えます。")
        return rule.name

    def number(self, where: str, raw: Any) -> Decimal | None:
        try:
            number = Decimal(str(raw).replace(",", ""))
        except InvalidOperation:
            self.error(where, f"「{raw}」は数値ではありません。")
            return None
        if not number.is_finite() or number.as_tuple().exponent < -2:  # type: ignore[operator]
            self.error(where, f"「{raw}」は小数点以下2桁までの数値で書いてください。")
            return None
        return number

    def period(self, where: str, key: Any, *, allow_half: bool) -> tuple[int, int, str] | None:
        match = PERIOD_PATTERN.match(str(key))
        if not match:
            self.error(where, f"期間「{key}」は 2023、2020-2022、2023H1 のいずれかの形で書いてください。")
            return None
        start = int(match.group(1))
        end = int(match.group(2) or start)
        half = match.group(3) or HalfChoice.FULL
        if end < start:
            self.error(where, f"期間「{key}」の終了年が開始年より前です。")
            return None
        if half != HalfChoice.FULL and (not allow_half or start != end):
            self.error(where, f"期間「{key}」に半期は指定できません。")
            return None
        return start, end, half

    def figures(self, where: str, raw: Any, *, allow_half: bool) -> list[Figure]:
        if raw is None:
            return []
        if not isinstance(raw, dict):
            self.error(where, "期間: 値 の形で書いてください。")
            return []
        figures = []
        for key, value in raw.items():
            period = self.period(where, key, allow_half=allow_half)
            if period is None:
                continue
            figure = Figure(*period)
            spec = value if isinstance(value, dict) else {"value": value}
            figure.note = str(spec.get("note", ""))
            if "numerator" in spec or "denominator" in spec:
                figure.numerator = self.number(f"{where} {key}", spec.get("numerator"))
                figure.denominator = self.number(f"{where} {key}", spec.get("denominator"))
                if figure.denominator == 0:
                    self.error(f"{where} {key}", "分母（denominator）に0は使えません。")
            else:
                figure.value = self.number(f"{where} {key}", spec.get("value"))
            figures.append(figure)
        return figures

    def texts(self, where: str, raw: Any) -> list[Figure]:
        if raw is None:
            return []
        if not isinstance(raw, dict):
            self.error(where, "期間: 評価文 の形で書いてください。")
            return []
        texts = []
        for key, value in raw.items():
            period = self.period(where, key, allow_half=True)
            if period is not None:
                # Japanese prose wraps without spaces: join the file's wrapped lines as they are.
                texts.append(Figure(*period, text="".join(line.strip() for line in str(value).splitlines())))
        return texts

    def check_references(self, entries: list[KpiEntry]) -> None:
        codes = [e.code for e in entries]
        for code in {c for c in codes if codes.count(c) > 1}:
            self.error("kpis", f"KPIコード「{code}」が重複しています。")
        owners = set(
            Organization.objects.filter(code__in={e.owner_code for e in entries}).values_list("code", flat=True)
        )
        for entry in entries:
            if entry.owner_code not in owners:
                self.error(f"KPI {entry.code}", f"関係主体コード「{entry.owner_code}」が見つかりません。")
            if entry.parent_code and entry.parent_code not in codes:
                self.error(f"KPI {entry.code}", f"内数の元となるKPI「{entry.parent_code}」がこのファイルにありません。")
            elif entry.parent_code and entry.parent_code not in codes[: codes.index(entry.code)]:
                # KPIs are written in file order: a parent written later would be silently dropped.
                self.error(
                    f"KPI {entry.code}", f"内数の元となるKPI「{entry.parent_code}」は、このKPIより前に書いてください。"
                )
        by_code = {e.code: e for e in entries}
        for entry in entries:
            parent = by_code.get(entry.parent_code or "")
            if parent is None:
                continue
            self.check_subset_figures(entry, parent, "targets")
            self.check_subset_figures(entry, parent, "actuals")

    def check_subset_figures(self, child: KpiEntry, parent: KpiEntry, attribute: str) -> None:
        parent_values = {(f.start_year, f.end_year, f.half): f.value for f in getattr(parent, attribute)}
        for figure in getattr(child, attribute):
            limit = parent_values.get((figure.start_year, figure.end_year, figure.half))
            if limit is not None and figure.value is not None and figure.value > limit:
                self.error(
                    f"KPI {child.code}",
                    f"{figure.start_year}年度の値（{figure.value}）が内数の元「{parent.code}」の値（{limit}）を超えています。",
                )


def parse_plan_file(path: Path | str) -> PlanData:
    path_text = str(path)
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PlanFileError(path_text, ["ファイルが見つかりません。"]) from error
    except yaml.YAMLError as error:
        raise PlanFileError(path_text, [f"YAMLとして読み取れません（{error}）。"]) from error
    return _Parser(path_text).parse(document)


def load_plan_file(path: Path | str, *, actor: Actor = None) -> LoadSummary:
    """Validate the whole file, then write it in one transaction."""
    data = parse_plan_file(path)
    return _write_plan(data, actor=actor, label=f"計画ファイル読込（{Path(path).name}）")


@transaction.atomic
def _write_plan(data: PlanData, *, actor: Actor, label: str) -> LoadSummary:
    number = data.fields["number"]
    values = {k: v for k, v in data.fields.items() if k != "number"}
    plan, counts = save_plan(number=number, values=values, actor=actor, actor_label=label)
    summary = LoadSummary(plan=plan)
    _count(summary, counts)
    owners = {o.code: o for o in Organization.objects.filter(code__in={e.owner_code for e in data.kpis})}
    existing_kpis = {k.code: k for k in Kpi.objects.filter(plan=plan).select_related("owner", "parent")}
    kpis: dict[str, Kpi] = {}
    for entry in data.kpis:
        values = dict(entry.fields, owner=owners[entry.owner_code])
        values["parent"] = kpis.get(entry.parent_code or "")
        kpis[entry.code], counts = save_kpi(
            plan=plan,
            code=entry.code,
            values=values,
            current=existing_kpis.get(entry.code),
            actor=actor,
            actor_label=label,
        )
        _count(summary, counts)
    _write_figures(data, kpis, summary, actor=actor, label=label)
    return summary


def _count(summary: LoadSummary, counts: WriteCounts) -> None:
    summary.created += counts.created
    summary.updated += counts.updated
    summary.deleted += counts.deleted


def _write_figures(data: PlanData, kpis: dict[str, Kpi], summary: LoadSummary, *, actor: Actor, label: str) -> None:
    """Every target, actual and evaluation of the file in one bulk write each; those taken out are removed."""
    kpi_ids = [k.pk for k in kpis.values()]
    by_id = {k.pk: k for k in kpis.values()}
    targets = {
        (t.kpi_id, t.start_year, t.end_year): t for t in Target.objects.select_for_update().filter(kpi_id__in=kpi_ids)
    }
    actuals = {
        (a.kpi_id, a.start_year, a.end_year, a.half): a
        for a in Actual.objects.select_for_update().filter(kpi_id__in=kpi_ids)
    }
    evaluations = {
        (e.kpi_id, e.start_year, e.end_year, e.half): e
        for e in Evaluation.objects.select_for_update().filter(kpi_id__in=kpi_ids)
    }
    target_rows: list[TargetValue] = []
    actual_rows: list[ActualValue] = []
    evaluation_rows: list[EvaluationText] = []
    for entry in data.kpis:
        kpi = kpis[entry.code]
        for f in entry.targets:
            row = TargetValue(kpi, f.start_year, f.end_year, f.value, f.note, from_plan_file=True)
            existing_target = targets.get(row.key)
            if existing_target is None or existing_target.from_plan_file:
                target_rows.append(row)  # else set in the system since (e.g. a reported revision): no longer the file's
        for f in entry.actuals:
            actual = ActualValue(
                kpi, f.start_year, f.end_year, f.half, f.value, f.numerator, f.denominator, ActualSource.PLAN, f.note
            )
            existing_actual = actuals.get(actual.key)
            if existing_actual is None or existing_actual.source not in COUNTED_SOURCES:
                actual_rows.append(actual)  # else counted from cases or survey answers: the rule owns it
        for f in entry.evaluations:
            evaluation_rows.append(EvaluationText(kpi, f.start_year, f.end_year, f.half, f.text, from_plan_file=True))
    named_targets = {r.key for r in target_rows}
    for key, target in targets.items():
        if target.from_plan_file and key not in named_targets:
            target_rows.append(TargetValue(by_id[key[0]], target.start_year, target.end_year, None))
    named_actuals = {r.key for r in actual_rows}
    for actual_key, existing in actuals.items():
        if existing.source == ActualSource.PLAN and actual_key not in named_actuals:
            actual_rows.append(
                ActualValue(by_id[existing.kpi_id], existing.start_year, existing.end_year, existing.half)
            )
    named_evaluations = {r.key for r in evaluation_rows}
    for evaluation_key, evaluation in evaluations.items():
        if evaluation.from_plan_file and evaluation_key not in named_evaluations:
            evaluation_rows.append(
                EvaluationText(by_id[key[0]], evaluation.start_year, evaluation.end_year, evaluation.half)
            )
    if target_rows:
        _count(summary, save_targets(rows=target_rows, current=targets, actor=actor, actor_label=label))
    if actual_rows:
        try:
            _count(summary, save_actuals(rows=actual_rows, current=actuals, actor=actor, actor_label=label))
        except RowsRefused as refused:
            raise PlanFileError(label, [_where(actual_rows[i]) + message for i, message in refused.problems]) from None
    if evaluation_rows:
        _count(summary, save_evaluations(rows=evaluation_rows, current=evaluations, actor=actor, actor_label=label))


def _where(row: ActualValue) -> str:
    return f"KPI {row.kpi.code} {row.kpi.label_period(row.start_year, row.end_year)}: "
