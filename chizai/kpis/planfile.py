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

from chizai.kpis.models import (
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
from chizai.kpis.upsert import AuditedUpserter
from chizai.organizations.models import Organization

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
        """A rule of chizai.cases.counting that counts the KPI's actuals from hands-on support cases."""
        from chizai.cases.counting import RULES

        if raw is None or raw == "":
            return ""
        rule = RULES.get(str(raw))
        if rule is None:
            allowed = "、".join(RULES)
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


def load_plan_file(path: Path | str, *, actor: Any = None) -> LoadSummary:
    """Validate the whole file, then write it in one transaction."""
    data = parse_plan_file(path)
    return _write_plan(data, actor=actor, label=f"計画ファイル読込（{Path(path).name}）")


@transaction.atomic
def _write_plan(data: PlanData, *, actor: Any, label: str) -> LoadSummary:
    number = data.fields["number"]
    plan = Plan.objects.filter(number=number).first()
    summary = LoadSummary(plan=plan or Plan(number=number))
    writer = AuditedUpserter(actor=actor, label=label, plan=plan, counts=summary)
    plan = writer.upsert(
        plan, Plan, {"number": number}, {k: v for k, v in data.fields.items() if k != "number"}, "plan", None
    )
    summary.plan = writer.plan = plan
    owners = {o.code: o for o in Organization.objects.filter(code__in={e.owner_code for e in data.kpis})}
    existing_kpis = {k.code: k for k in Kpi.objects.filter(plan=plan).select_related("owner", "parent")}
    kpis: dict[str, Kpi] = {}
    for entry in data.kpis:
        values = dict(entry.fields, owner=owners[entry.owner_code])
        values["parent"] = kpis.get(entry.parent_code or "")
        existing = existing_kpis.get(entry.code)
        old_rule = existing.counting_rule if existing is not None else None
        kpis[entry.code] = writer.upsert(existing, Kpi, {"plan": plan, "code": entry.code}, values, "kpi", None)
        if existing is None:
            kpis[entry.code].refresh_from_db()
        elif old_rule != existing.counting_rule:
            _audit_counting_rule(writer, existing, old_rule)
    _write_figures(writer, data, kpis)
    return summary


def _audit_counting_rule(writer: AuditedUpserter, kpi: Kpi, old_rule: str) -> None:
    """Kpi.snapshot() does not carry the counting rule, so the upsert's own entry would not show its change."""
    if "counting_rule" not in kpi.snapshot():
        writer.audit("kpi.updated", kpi, {"counting_rule": old_rule}, {"counting_rule": kpi.counting_rule})


def _write_figures(writer: AuditedUpserter, data: PlanData, kpis: dict[str, Kpi]) -> None:
    kpi_ids = [k.pk for k in kpis.values()]
    targets = {(t.kpi_id, t.start_year, t.end_year): t for t in Target.objects.filter(kpi_id__in=kpi_ids)}
    actuals = {(a.kpi_id, a.start_year, a.end_year, a.half): a for a in Actual.objects.filter(kpi_id__in=kpi_ids)}
    evaluations = {
        (e.kpi_id, e.start_year, e.end_year, e.half): e for e in Evaluation.objects.filter(kpi_id__in=kpi_ids)
    }
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    for entry in data.kpis:
        kpi = kpis[entry.code]
        for f in entry.targets:
            key = (kpi.pk, f.start_year, f.end_year)
            seen.add(("target", key))
            if key in targets and not targets[key].from_plan_file:
                continue  # set in the system since (e.g. by a reported revision): the plan file no longer owns it
            writer.upsert(
                targets.get(key),
                Target,
                {"kpi": kpi, "start_year": f.start_year, "end_year": f.end_year},
                {"value": f.value, "note": f.note, "from_plan_file": True},
                "kpi.target",
                kpi,
            )
        for f in entry.actuals:
            key = (kpi.pk, f.start_year, f.end_year, f.half)
            seen.add(("actual", key))
            if key in actuals and actuals[key].source == ActualSource.COMPUTED:
                continue  # counted from hands-on support cases (chizai.cases.counting): the cases own it
            values = {
                "value": f.value,
                "numerator": f.numerator,
                "denominator": f.denominator,
                "source": ActualSource.PLAN,
                "source_note": f.note,
            }
            writer.upsert(
                actuals.get(key),
                Actual,
                {"kpi": kpi, "start_year": f.start_year, "end_year": f.end_year, "half": f.half},
                values,
                "kpi.actual",
                kpi,
            )
        for f in entry.evaluations:
            key = (kpi.pk, f.start_year, f.end_year, f.half)
            seen.add(("evaluation", key))
            writer.upsert(
                evaluations.get(key),
                Evaluation,
                {"kpi": kpi, "start_year": f.start_year, "end_year": f.end_year, "half": f.half},
                {"text": f.text, "from_plan_file": True},
                "kpi.evaluation",
                kpi,
            )
    by_id = {k.pk: k for k in kpis.values()}
    for key, target in targets.items():
        if target.from_plan_file and ("target", key) not in seen:
            writer.remove(target, "kpi.target", by_id[target.kpi_id])
    for key, actual in actuals.items():
        if actual.source == ActualSource.PLAN and ("actual", key) not in seen:
            writer.remove(actual, "kpi.actual", by_id[actual.kpi_id])
    for key, evaluation in evaluations.items():
        if evaluation.from_plan_file and ("evaluation", key) not in seen:
            writer.remove(evaluation, "kpi.evaluation", by_id[evaluation.kpi_id])
