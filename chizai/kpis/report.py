"""The plan-format evaluation (【目標】… 【実績】…), computed from stored targets and actuals."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from chizai.kpis import achievement, figures
from chizai.kpis.achievement import PeriodResult, Status
from chizai.kpis.models import Kpi, KpiKind, Plan, Shape
from chizai.kpis.revisions import revision_summary
from chizai.lib.numbers import format_percent, format_quantity

SECTIONS = [
    ("中央KPI", (KpiKind.CORE, KpiKind.ATTACHED, KpiKind.MEASURE, KpiKind.AGENCY_TARGET)),
    ("効果指標", (KpiKind.EFFECT,)),
    ("地域KPI", (KpiKind.REGIONAL_SUMMARY, KpiKind.REGIONAL)),
]


def target_line(kpi: Kpi, rows: list[PeriodResult]) -> str:
    """【目標】 in the plan's wording: "250社/年度", "250件(2020～2022年度累計)", "4,379件(2018年)→ 5,000件(2022年)"."""
    targets = sorted(kpi.targets.all(), key=lambda t: (t.end_year, t.start_year))
    if kpi.shape == Shape.QUALITATIVE or not targets:
        return "【目標】" + (kpi.name if kpi.shape == Shape.QUALITATIVE else "（目標の設定なし）")
    unit = kpi.unit
    if kpi.shape == Shape.BASELINE_TARGET:
        final = targets[-1]
        baseline_year = kpi.baseline_year or final.start_year
        base = f"{format_quantity(kpi.baseline_value, unit)}({kpi.label_period(baseline_year, baseline_year)})"
        goal = format_quantity(final.value, unit)
        if not final.note:
            goal += f"({kpi.label_period(final.start_year, final.end_year)})"
        return f"【目標】{base}→ {goal}"
    if len(targets) == 1 and targets[0].start_year != targets[0].end_year:
        t = targets[0]
        return f"【目標】{format_quantity(t.value, unit)}({kpi.label_period(t.start_year, t.end_year)}累計)"
    qualifier = {t.note for t in targets} == {"以上"}
    suffix = "以上" if qualifier else ""
    if len({t.value for t in targets}) == 1 and len(targets) > 1:
        return f"【目標】{format_quantity(targets[0].value, unit)}{suffix}/{'年' if kpi.is_calendar_year else '年度'}"
    return "【目標】" + "、".join(
        f"{kpi.label_period(t.start_year, t.end_year)}：{format_quantity(t.value, unit)}{t.note if t.note else ''}"
        for t in targets
    )


def _figure(kpi: Kpi, row: PeriodResult) -> str:
    text = format_quantity(row.actual, kpi.unit)
    if row.achievement is not None:
        text += f"({format_percent(row.achievement, kpi.decimals)})"
    return text


def actual_line(kpi: Kpi, rows: list[PeriodResult]) -> str:
    """【実績】 "2020年度 267社(107%)、…"; a range: "213件(85%)"; a baseline KPI: figures without rates."""
    measured = [r for r in rows if r.actual is not None]
    if not kpi.measurable or kpi.shape == Shape.QUALITATIVE:
        return "【実績】数値的な実績なし（定性的に評価）"
    if not measured:
        return "【実績】未報告"
    if kpi.shape == Shape.BASELINE_TARGET:
        return "【実績】" + "、".join(f"{r.label} {format_quantity(r.actual, kpi.unit)}" for r in measured)
    if len(measured) == 1 and measured[0].start_year != measured[0].end_year:
        return f"【実績】{_figure(kpi, measured[0])}"
    return "【実績】" + "、".join(f"{r.label} {_figure(kpi, r)}" for r in measured)


def _extra_lines(kpi: Kpi, rows: list[PeriodResult]) -> Iterator[str]:
    if kpi.shape == Shape.BASELINE_TARGET and kpi.measurable:
        final = rows[-1] if rows else None
        if final is not None and final.actual is not None and final.progress is not None:
            yield (
                f"【進捗】{final.label} 達成率 {format_percent(final.achievement, kpi.decimals)}、"
                f"基準値からの進捗率 {format_percent(final.progress, kpi.decimals)}（{final.status.label}）"
            )
    if kpi.kind == KpiKind.REGIONAL_SUMMARY:
        for actual in sorted(kpi.actuals.all(), key=lambda a: a.start_year):
            if actual.denominator is None or actual.numerator is None:
                continue
            label = kpi.label_period(actual.start_year, actual.end_year)
            yield f"・{label}の地域KPIの項目数（合計値） {format_quantity(actual.denominator, '件')}"
            yield (
                f"・{label}の地域KPIの目標値を達成した項目数 {format_quantity(actual.numerator, '件')}"
                f"（{format_percent(actual.figure, kpi.decimals)}）"
            )
    statuses = [f"{r.label} {r.status.label}" for r in rows if r.status in (Status.ACHIEVED, Status.NOT_ACHIEVED)]
    if statuses and kpi.shape != Shape.BASELINE_TARGET:
        yield "【判定】" + "、".join(statuses)
    for evaluation in sorted(kpi.evaluations.all(), key=lambda e: (e.end_year, e.start_year)):
        yield f"【評価】（{kpi.label_period(evaluation.start_year, evaluation.end_year)}）{evaluation.text}"


def kpi_lines(kpi: Kpi, today: datetime.date) -> Iterator[str]:
    rows = achievement.results(kpi, today)
    heading = f"{kpi.numbering} {kpi.name}".strip()
    yield f"#### {heading}"
    yield ""
    if kpi.kind != KpiKind.REGIONAL_SUMMARY:
        revised = revision_summary(kpi)
        yield target_line(kpi, rows) + (f"（{revised}）" if revised else "")
        yield ""
        yield actual_line(kpi, rows)
        yield ""
    for line in _extra_lines(kpi, rows):
        yield line
        yield ""


def regional_lines(plan: Plan, today: datetime.date) -> Iterator[str]:
    """Regional KPI items met / total, per fiscal year, counted by the database from the regional KPIs' stored
    figures (a national plan has thousands of regional KPIs: their rows are never loaded)."""
    items = figures.regional_items(Kpi.objects.for_plan(plan).filter(kind=KpiKind.REGIONAL), plan.fiscal_years, today)
    if not items.count:
        return
    yield "#### 地域KPIの達成状況（各自治体の地域KPIから集計）"
    yield ""
    for year in plan.fiscal_years:
        counted = items.national(year)
        if counted.total == 0:
            continue
        yield f"・{year}年度の地域KPIの項目数（合計値） {format_quantity(counted.total, '件')}"
        yield (
            f"・{year}年度の地域KPIの目標値を達成した項目数 {format_quantity(counted.met, '件')}"
            f"（{format_percent(counted.rate, 1)}）"
        )
    yield ""


def plan_report_markdown(plan: Plan, *, today: datetime.date | None = None) -> str:
    today = today or datetime.date.today()
    kpis = list(
        Kpi.objects.for_plan(plan)
        .exclude(kind=KpiKind.REGIONAL)
        .with_values()
        .prefetch_related("revisions")
        .order_by("sort_order", "pk")
    )
    lines = [f"# {plan.name} 評価（{plan.period_label}）", ""]
    if plan.source:
        lines += [f"出典: {plan.source}", ""]
    lines += ["達成率は実績÷目標（小数点以下四捨五入）で、保存された目標と実績からその都度計算しています。", ""]
    for title, kinds in SECTIONS:
        section = [k for k in kpis if k.kind in kinds and k.kind != KpiKind.REGIONAL]
        regional = list(regional_lines(plan, today)) if KpiKind.REGIONAL in kinds else []
        if not section and not regional:
            continue
        lines += [f"## {title}", ""]
        for kind in kinds:
            of_kind = [k for k in section if k.kind == kind]
            if of_kind and len(kinds) > 1 and kind != KpiKind.REGIONAL_SUMMARY:
                lines += [f"### {KpiKind(kind).label}", ""]
            for kpi in of_kind:
                lines += list(kpi_lines(kpi, today))
        lines += regional
    return "\n".join(lines).rstrip() + "\n"
