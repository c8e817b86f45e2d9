"""The plan's documents, each built from the same data as its page (the same functions the page calls).

Every builder returns a `Document`; `chizai.reports.render` turns it into .docx or .pdf.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from chizai.kpis import figures
from chizai.kpis.achievement import ItemsMet, PeriodResult
from chizai.kpis.models import DemoDataset, Kpi, KpiKind, Plan
from chizai.kpis.report import plan_report_markdown
from chizai.lib.fiscal import Half
from chizai.lib.numbers import format_percent, format_quantity
from chizai.organizations.types import AnyUser
from chizai.pdca.compilation import STATUS_COLUMNS, BodyEntry, compile_period, end_of_plan_evaluation, items_met_text
from chizai.pdca.models import RatingScale, ReportingPeriod, SelfEvaluation
from chizai.pdca.table import KpiRow, evaluation_rows
from chizai.reports import charts
from chizai.reports.document import Chart, Document, Heading, Paragraph, Table

DASH = "—"


def document_for(
    kind: str, title: str, subtitle: str, today: datetime.date, as_of: datetime.date | None = None
) -> Document:
    """A new document made today, its data as of `as_of` (default: `today`), labelled when demo data exists."""
    demo = DemoDataset.is_loaded()
    return Document(kind, title, subtitle, created=datetime.date.today(), as_of=as_of or today, demo=demo)


def _quantity(value: object, unit: str) -> str:
    return format_quantity(value, unit) if value is not None else DASH  # type: ignore[arg-type]


def _percent(value: object, decimals: int = 0) -> str:
    return format_percent(value, decimals) if value is not None else DASH  # type: ignore[arg-type]


# --- charts with their text equivalents -------------------------------------------------------------------


def trend(kpi: Kpi, rows: list[PeriodResult]) -> Chart | None:
    """The KPI's actual per period against its target; None when fewer than two periods have figures."""
    measured = [r for r in rows if r.actual is not None or r.target is not None]
    if sum(1 for r in measured if r.actual is not None) < 2:
        return None
    rendered = charts.trend_chart(
        [r.label for r in measured], [r.actual for r in measured], [r.target for r in measured], kpi.unit
    )
    caption = "、".join(
        f"{r.label} 実績{_quantity(r.actual, kpi.unit)}・目標{_quantity(r.target, kpi.unit)}"
        + (f"（{_percent(r.achievement, kpi.decimals)}）" if r.achievement is not None else "")
        for r in measured
    )
    return Chart(f"図 {kpi.short_name}の実績と目標", rendered.svg, rendered.png, caption)


def rate_bars(title: str, labels: list[str], rates: list, decimals: int = 1) -> Chart:  # type: ignore[type-arg]
    rendered = charts.rate_chart(labels, rates, decimals=decimals)
    caption = "、".join(f"{label} {_percent(rate, decimals)}" for label, rate in zip(labels, rates, strict=True))
    return Chart(title, rendered.svg, rendered.png, caption)


def items_bars(title: str, labels: list[str], items: list[ItemsMet]) -> Chart:
    rendered = charts.items_chart(labels, [i.met for i in items], [i.total for i in items])
    caption = "、".join(f"{label} {items_met_text(i)}" for label, i in zip(labels, items, strict=True))
    return Chart(title, rendered.svg, rendered.png, caption)


# --- the plan-format evaluation (section I.2(2)) ----------------------------------------------------------


def _markdown_blocks(document: Document, markdown: str) -> None:
    """The plan-format report's lines (chizai.kpis.report) as headings and paragraphs."""
    for line in markdown.splitlines():
        if not line.strip() or line.startswith("# "):
            continue
        level = len(line) - len(line.lstrip("#"))
        if level:
            document.add(Heading(line[level:].strip(), level))
        else:
            document.add(Paragraph(line))


def plan_report_document(plan: Plan, today: datetime.date) -> Document:
    """The plan's evaluation in its own format (【目標】【実績】…), with a chart per KPI measured each year."""
    document = document_for("plan_report", f"{plan.name} 評価", f"対象期間 {plan.period_label}", today)
    _markdown_blocks(document, plan_report_markdown(plan, today=today))
    kpis = list(
        Kpi.objects.for_plan(plan).exclude(kind=KpiKind.REGIONAL).select_related("plan").order_by("sort_order", "pk")
    )
    stored = figures.load(kpis)
    trends = [chart for chart in (trend(kpi, stored.results(kpi, today)) for kpi in kpis) if chart]
    if trends:
        document.add(Heading("図表（実績と目標の推移）", 2), *trends)
    return document


# --- one body's self-evaluation (自己評価票) ----------------------------------------------------------------


def _rating_table(rows: list[KpiRow], first_half: bool, caption: str) -> Table:
    # 期間 and 状況 hold 「2026年度」 and 「進行中」 on one line (A4 portrait, 8.5 pt): a column of single characters
    # is hard to read, and its extra lines cost the layout of a national compilation ~5 % of its time.
    headers = ["指標", "期間", "目標", "実績", "達成率"]
    widths = [21, 10, 9, 9, 7]
    if first_half:
        headers += ["上期実績", "年度末見込み（達成率）"]
        widths += [8, 11]
    headers += ["状況", "目安", "自己評価", "目安と異なる評価の理由"]
    widths += [8, 6, 6, 21]
    cells = []
    for row in rows:
        kpi, result = row.kpi, row.result
        line = [
            f"{kpi.numbering} {kpi.name}".strip(),
            result.label if result else DASH,
            _quantity(result.target, kpi.unit) if result else DASH,
            _quantity(result.actual, kpi.unit) if result else DASH,
            _percent(result.achievement, kpi.decimals) if result else DASH,
        ]
        if first_half:
            forecast = DASH
            if result and result.forecast is not None:
                forecast = _quantity(result.forecast, kpi.unit)
                if result.forecast_achievement is not None:
                    forecast += f"（{_percent(result.forecast_achievement, kpi.decimals)}）"
            line += [_quantity(result.first_half, kpi.unit) if result else DASH, forecast]
        reason = row.rating.reason if row.rating else ""
        line += [result.status.label if result else DASH, row.suggested or DASH, row.final_rating or DASH, reason]
        cells.append(line)
    # The forecast (「116件（116%）」) wraps before its rate: as one unbroken figure it ran into the status column.
    numeric = frozenset({2, 3, 4, 5} if first_half else {2, 3, 4})
    return Table(caption, headers, cells, widths, numeric)


def _texts(evaluation: SelfEvaluation) -> list[tuple[str, str]]:
    names = ["previous_improvements", "previous_followup", "activities", "issues", "improvements", "advanced_practice"]
    return [(SelfEvaluation.field_label(name), getattr(evaluation, name)) for name in names]


def self_evaluation_document(evaluation: SelfEvaluation, today: datetime.date) -> Document:
    """One body's 自己評価票 for a half year: the KPI table with ratings and reasons, then the texts."""
    period = evaluation.period
    organization = evaluation.organization.display_name
    document = document_for(
        "self_evaluation",
        f"{organization} {period.label} 自己評価票",
        f"{period.plan.name}・状態 {evaluation.status_label}",
        today,
    )
    rows = evaluation_rows(evaluation, today, scale=RatingScale.current())
    first_half = period.half == Half.FIRST
    document.add(
        Heading("KPIの達成状況と自己評価", 2), _rating_table(rows, first_half, f"KPIの達成状況（{period.label}）")
    )
    rated = [row for row in rows if row.result is not None and row.result.achievement is not None]
    if rated:
        document.add(
            rate_bars(
                "図 KPIの達成率",
                [row.kpi.short_name for row in rated],
                [row.result.achievement for row in rated if row.result],
                decimals=0,
            )
        )
    document.add(Paragraph("表の数値はKPIの目標・実績から計算しています。状況は作成日時点の判定です。", note=True))
    document.add(Heading("取組の状況", 2))
    for label, text in _texts(evaluation):
        document.add(Heading(label, 3), Paragraph(text or "（記入なし）"))
    return document


# --- the compilation of a half year (取りまとめ) -------------------------------------------------------------


def _body_table(bodies: Iterable[BodyEntry], caption: str) -> Table:
    rows = [
        [
            b.organization.display_name,
            b.status_label + ("（期限超過）" if b.overdue else ""),
            str(len(b.rows)) if b.visible else DASH,
        ]
        for b in bodies
    ]
    return Table(caption, ["関係主体", "状態", "KPI数"], rows, [50, 35, 15], frozenset({2}))


def _body_blocks(document: Document, body: BodyEntry, first_half: bool) -> None:
    document.add(Heading(f"{body.organization.display_name}（{body.status_label}）", 4))
    if body.rows:
        document.add(_rating_table(body.rows, first_half, f"{body.organization.display_name}のKPIと自己評価"))
    for label, text in body.texts:
        if text:
            document.add(Paragraph(f"【{label}】{text}"))


def compilation_document(period: ReportingPeriod, user: AnyUser, today: datetime.date) -> Document:
    """A block's or the nation's compilation of one half year, from the same `compile_period` as its page."""
    compilation = compile_period(period, user, today)
    document = document_for(
        "compilation",
        f"{period.label} 自己評価の取りまとめ（{compilation.title}）",
        f"{period.plan.name}・対象 {compilation.body_count}主体",
        today,
    )
    labels = [label for _key, label in STATUS_COLUMNS]
    status_rows = [[s.title, *map(str, s.status_counts), s.items_text] for s in compilation.sections]
    status_rows.append(["合計", *map(str, compilation.status_counts), compilation.items_text])
    document.add(
        Heading("提出状況と地域KPIの達成状況", 2),
        Table(
            "ブロック別の提出状況と地域KPIの達成項目数",
            ["区分", *labels, "地域KPI"],
            status_rows,
            [20, *[6] * len(labels), 38],
            frozenset(range(1, len(labels) + 1)),
        ),
    )
    with_items = [s for s in compilation.sections if s.items.total]
    if with_items:
        document.add(
            rate_bars(
                f"図 地域KPIの達成率（{period.fiscal_year}年度、ブロック別）",
                [s.title.split("（")[0] for s in with_items],
                [s.items.rate for s in with_items],
            )
        )
    first_half = period.half == Half.FIRST
    for section in compilation.sections:
        document.add(Heading(section.title, 2), _body_table(section.bodies, f"{section.title}の関係主体"))
        for body in section.bodies:
            if body.visible and (body.rows or any(text for _l, text in body.texts)):
                _body_blocks(document, body, first_half)
    return document


# --- the end-of-plan evaluation (計画期間終了時の評価) --------------------------------------------------------


def final_evaluation_document(plan: Plan, user: AnyUser, today: datetime.date, block: str = "") -> Document:
    """The end-of-plan evaluation: nationally (or the user's scope), or one block's regional KPI line."""
    final = end_of_plan_evaluation(plan, user, today)
    lines = [line for line in final.blocks if not block or line.label == block]
    scope = f"{block}ブロック" if block else final.national.label
    document = document_for(
        "final_evaluation", f"{plan.name} 計画期間終了時の評価（{scope}）", plan.period_label, today
    )
    years = [f"{year}年度" for year in plan.fiscal_years]
    document.add(Heading("地域KPIの達成状況", 2))
    shown = lines if block else [final.national, *lines]
    document.add(
        Table(
            "地域KPIの達成項目数（年度別・計画期間計）",
            ["区分", *years, "計画期間計"],
            [[line.label, *line.cells] for line in shown],
            [16, *[84 // (len(years) + 1)] * (len(years) + 1)],
        )
    )
    base = lines[0] if block and lines else final.national
    if base.total.total:
        document.add(items_bars(f"図 {base.label}の地域KPI 達成項目数（年度別）", years, base.by_year))
    if not block and lines:
        document.add(
            rate_bars(
                "図 ブロック別の地域KPI達成率（計画期間計）",
                [line.label for line in lines],
                [line.total.rate for line in lines],
            )
        )
    if not block:
        document.add(Heading("中央KPI・効果指標", 2))
        for item in final.central:
            kpi = item.kpi
            rows = [
                [
                    r.label,
                    _quantity(r.target, kpi.unit),
                    _quantity(r.actual, kpi.unit),
                    _percent(r.achievement, kpi.decimals),
                    r.status.label,
                ]
                for r in item.results
            ]
            document.add(
                Heading(f"{kpi.numbering} {kpi.name}".strip(), 3),
                Table(
                    f"{kpi.short_name}の目標と実績",
                    ["期間", "目標", "実績", "達成率", "判定"],
                    rows,
                    [28, 20, 20, 16, 16],
                    frozenset({1, 2, 3}),
                ),
            )
            for evaluation in item.evaluations:
                document.add(Paragraph(f"【評価】{evaluation.text}"))
    document.add(
        Heading("自己評価の受理状況", 2),
        Table(
            "半期ごとの受理件数",
            ["半期", "受理件数"],
            [[c.period.label, str(c.accepted)] for c in final.accepted],
            [70, 30],
            frozenset({1}),
        ),
    )
    return document
