"""The rows of each exported page, computed with the functions the page itself uses.

An export shows exactly what its page shows to the same user: the same scope lookups
(`Kpi.objects.visible_to`, `SelfEvaluation.objects.visible_to`, `SupportCase.objects.visible_to`), the same achievement
arithmetic (`chizai.kpis.achievement`), the same rounding. The organisation export also carries the two
sheets of the import format (`chizai.exchange.columns`), so exporting a page and importing it back changes
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from chizai.cases.access import CASE_RELATED, FULL, case_access
from chizai.cases.labels import fiscal_year_wareki
from chizai.cases.models import SupportCase
from chizai.exchange.columns import (
    ACTUALS_COLUMNS,
    ACTUALS_SHEET,
    REGISTER_COLUMNS,
    REGISTER_SHEET,
    SHAPE_LABELS,
    YEAR_TARGET_SUFFIX,
    qualitative_aim,
)
from chizai.exchange.exports import Table

# The page's own helpers, reused so that the export cannot drift from the page.
from chizai.kpis import achievement, figures
from chizai.kpis.dashboard import kpi_rows, regional_summary, shown_kpis
from chizai.kpis.models import Actual, HalfChoice, Kpi, Plan, Shape, Target
from chizai.lib.wareki import wareki_fiscal_year, wareki_year
from chizai.organizations.models import Organization
from chizai.organizations.permissions import primary_organization, sees_everything
from chizai.pdca.compilation import Compilation
from chizai.pdca.forms import TEXT_FIELDS
from chizai.pdca.listing import EvaluationLine
from chizai.pdca.models import RatingScale, ReportingPeriod, SelfEvaluation
from chizai.pdca.table import KpiRow, evaluation_rows

HALF_ORDER = {HalfChoice.FULL: 0, HalfChoice.FIRST: 1, HalfChoice.SECOND: 2}


def year_target_heading(year: int) -> str:
    return f"{year}年度{YEAR_TARGET_SUFFIX}"


def _wareki(kpi: Kpi, year: int) -> str:
    return wareki_year(year) if kpi.is_calendar_year else wareki_fiscal_year(year)


# --- KPIs with their achievement (dashboard, 達成状況) -----------------------------------------------------

# Headings for people; none of them is a heading the importer reads (see columns.py), so a workbook with
# these sheets next to KPI一覧 and 実績 still imports: the importer skips them.
KPI_COLUMNS = [
    "区分",
    "種類",
    "番号",
    "KPI・効果指標",
    "担当の関係主体",
    "期間",
    "和暦",
    "目標（期間）",
    "実績（期間）",
    "単位",
    "実績の範囲",
    "達成率（%）",
    "進捗率（%）",
    "状況",
]


def _result_cells(kpi: Kpi, result: achievement.PeriodResult | None) -> list[Any]:
    """期間 … 状況 of one result, as the KPI table shows it (rates already rounded as on the page)."""
    if result is None:
        return ["", "", None, None, kpi.unit, "", None, None, ""]
    partial = "上期まで" if result.actual is not None and not result.complete else ""
    return [
        result.label,
        _wareki(kpi, result.end_year) if result.start_year == result.end_year else "",
        result.target,
        result.actual,
        kpi.unit,
        partial,
        result.achievement,
        result.progress if result.achievement is None else None,
        result.status.label,
    ]


def _kpi_row(group: str, kpi: Kpi, result: achievement.PeriodResult | None) -> list[Any]:
    return [
        group,
        kpi.get_kind_display(),
        kpi.numbering,
        kpi.name,
        kpi.owner.display_name,
        *_result_cells(kpi, result),
    ]


REGIONAL_COLUMNS = ["年度", "和暦", "地域ブロック", "項目数", "達成項目数", "達成割合（%）"]


def _regional_rows(regional: dict[str, Any], everything: bool) -> Iterator[list[Any]]:
    total_label = "全国" if everything else "閲覧できる範囲の合計"
    for line in regional["years"]:
        national = line["national"]
        if not national.total:
            continue
        year = line["year"]
        yield [year, wareki_fiscal_year(year), total_label, national.total, national.met, national.rate]
        for bureau, items in line["blocks"]:
            block = bureau.block_name if bureau else "—"
            yield [year, wareki_fiscal_year(year), block, items.total, items.met, items.rate]


def dashboard_tables(user: Any, plan: Plan, today: datetime.date) -> list[Table]:
    """kpis:dashboard as the user sees it: their own KPIs and the central ones, and regional items met."""
    home = primary_organization(user)
    own, central = shown_kpis(user, plan, home)
    stored = figures.load([*own, *central])
    rows = [_kpi_row(f"{home.name}のKPI" if home else "", r["kpi"], r["result"]) for r in kpi_rows(own, today, stored)]
    rows += [_kpi_row("中央KPI・効果指標", r["kpi"], r["result"]) for r in kpi_rows(central, today, stored)]
    regional = regional_summary(Kpi.objects.for_plan(plan).visible_to(user), plan, today)
    return [
        Table("KPI", KPI_COLUMNS, rows, key="kpis"),
        Table("地域KPIの達成状況", REGIONAL_COLUMNS, _regional_rows(regional, sees_everything(user)), key="regional"),
    ]


# --- an organisation's KPIs: the import format, and 達成状況 ------------------------------------------------


def register_headings(plan: Plan) -> list[str]:
    return [c.header for c in REGISTER_COLUMNS] + [year_target_heading(y) for y in plan.fiscal_years]


def _target_column_year(kpi: Kpi, target: Target) -> int | None:
    """The year column a target is written in, so that the importer reads back the same period."""
    plan = kpi.plan
    if target.end_year not in plan.fiscal_years:
        return None
    if kpi.shape == Shape.CUMULATIVE:
        # The importer reads a cumulative target in year Y's column as the plan's first year … Y.
        return target.end_year if target.start_year == plan.first_fiscal_year else None
    return target.end_year if target.start_year == target.end_year else None


def register_row(organization: Organization, kpi: Kpi) -> list[Any]:
    """One KPI in the KPI一覧 format: the register columns, then one target per plan year.

    Targets the format cannot hold (a range of years outside the 累計 rule, a year outside the plan) are
    left out; the importer leaves targets missing from the file alone, so a re-import keeps them.
    """
    by_year = {}
    for target in kpi.targets.all():
        year = _target_column_year(kpi, target)
        if year is not None:
            by_year[year] = target.value
    aim = qualitative_aim(kpi.description) if kpi.shape == Shape.QUALITATIVE else ""
    return [
        organization.name,
        kpi.code,
        kpi.name,
        kpi.unit,
        SHAPE_LABELS[kpi.shape],
        kpi.baseline_year,
        kpi.baseline_value,
        None,  # 目標年度: targets go in the year columns
        aim or None,
        kpi.target_source,
        *(by_year.get(year) for year in kpi.plan.fiscal_years),
    ]


def _actual_figure(actual: Actual | None) -> list[Any]:
    if actual is None:
        return [None, None, None]
    if actual.numerator is not None and actual.denominator is not None:
        return [None, actual.numerator, actual.denominator]
    return [actual.value, None, None]


def actual_rows(organization: Organization, kpi: Kpi) -> Iterator[list[Any]]:
    """The KPI's single-year actuals and evaluations in the 実績 format, one row per period.

    Figures of KPIs counted from cases are left out: they are computed, never imported. Ranges of years
    (累計 stated for 2020～2022) have no place in the format either.
    """
    actuals = {} if kpi.counting_rule else {(a.start_year, a.half): a for a in kpi.actuals.all() if not a.is_range}
    evaluations = {(e.start_year, e.half): e for e in kpi.evaluations.all() if not e.is_range}
    for year, half in sorted(set(actuals) | set(evaluations), key=lambda p: (p[0], HALF_ORDER[HalfChoice(p[1])])):
        evaluation = evaluations.get((year, half))
        actual = actuals.get((year, half))
        if actual is None and kpi.counting_rule and evaluation is None:
            continue
        yield [
            organization.name,
            kpi.code,
            kpi.name,
            year,
            HalfChoice(half).label,
            *_actual_figure(actual),
            evaluation.text if evaluation else None,
        ]


ACHIEVEMENT_COLUMNS = ["KPIコード", *KPI_COLUMNS[1:]]


def organization_kpis(organization: Organization, plan: Plan) -> list[Kpi]:
    """The KPIs kpis:organization_detail lists (the caller has checked the organisation is visible)."""
    return list(Kpi.objects.for_plan(plan).filter(owner=organization).with_values().order_by("sort_order", "pk"))


def _or_none(results: list[achievement.PeriodResult]) -> list[achievement.PeriodResult | None]:
    """The KPI's results, or one empty row for a KPI without any."""
    return [*results] if results else [None]


def organization_tables(organization: Organization, plan: Plan, today: datetime.date) -> list[Table]:
    """KPI一覧 and 実績 in the import format, and 達成状況 (every target period) for people."""
    kpis = organization_kpis(organization, plan)
    stored = figures.load(kpis)
    achievement_rows = [
        [kpi.code, *_kpi_row("", kpi, result)[1:]] for kpi in kpis for result in _or_none(stored.results(kpi, today))
    ]
    return [
        Table(
            REGISTER_SHEET,
            register_headings(plan),
            [register_row(organization, k) for k in kpis],
            key="register",
            choices={"形式": list(SHAPE_LABELS.values())},
        ),
        Table(
            ACTUALS_SHEET,
            [c.header for c in ACTUALS_COLUMNS],
            [row for k in kpis for row in actual_rows(organization, k)],
            key="actuals",
        ),
        Table("達成状況", ACHIEVEMENT_COLUMNS, achievement_rows, key="achievement"),
    ]


# --- self-evaluations (pdca:evaluation_list) ------------------------------------------------------------------

EVALUATION_COLUMNS = ["区分", "関係主体", "半期", "状態", "提出期限", "提出期限（和暦）", "提出日時", "受理日時"]
EVALUATION_TEXT_FIELDS = (
    "previous_improvements",
    "previous_followup",
    "activities",
    "issues",
    "improvements",
    "advanced_practice",
)
"""The evaluation's texts, in the order of its page; their headings are the model's Japanese field names."""


def evaluation_text_columns() -> list[str]:
    return [SelfEvaluation.field_label(name) for name in EVALUATION_TEXT_FIELDS]


def _texts(evaluation: SelfEvaluation | None) -> list[str]:
    return [getattr(evaluation, name) if evaluation else "" for name in EVALUATION_TEXT_FIELDS]


RATING_COLUMNS = [
    "関係主体",
    "半期",
    "番号",
    "KPI・効果指標",
    "期間",
    "目標",
    "実績",
    "単位",
    "達成率（%）",
    "上期実績",
    "年度末見込み",
    "年度末見込みの達成率（%）",
    "状況",
    "目安",
    "自己評価",
    "目安と異なる評価の理由",
]


def rating_rows(evaluation: SelfEvaluation, rows: list[KpiRow]) -> Iterator[list[Any]]:
    """One row per KPI of an evaluation: the figures, the suggested and chosen rating and the reason, as its
    page's KPI table (chizai.pdca.table) computes them."""
    for row in rows:
        kpi, result = row.kpi, row.result
        yield [
            evaluation.organization.name,
            evaluation.period.label,
            kpi.numbering,
            kpi.name,
            result.label if result else "",
            result.target if result else None,
            result.actual if result else None,
            kpi.unit,
            result.achievement if result else None,
            result.first_half if result else None,
            result.forecast if result else None,
            result.forecast_achievement if result else None,
            result.status.label if result else "",
            row.suggested,
            row.final_rating,
            row.rating.reason if row.rating else "",
        ]


def _rating_table(evaluations: list[SelfEvaluation], today: datetime.date) -> Table:
    scale = RatingScale.current()
    rows = (line for e in evaluations for line in rating_rows(e, evaluation_rows(e, today, scale=scale)))
    return Table("KPIの自己評価", RATING_COLUMNS, rows, key="ratings")


def evaluation_tables(
    own: list[tuple[Organization, list[EvaluationLine]]],
    others: list[SelfEvaluation],
    period: ReportingPeriod,
    today: datetime.date | None = None,
) -> list[Table]:
    """The list page's two tables in one (the own organisations' half years, then others' for the period) with
    each evaluation's texts, and a second sheet with every KPI's figures, rating and reason."""
    rows: list[list[Any]] = []
    evaluations: list[SelfEvaluation] = []
    for organization, lines in own:
        for line in lines:
            evaluation = line.evaluation
            rows.append(
                [
                    "自組織",
                    organization.name,
                    line.period.label,
                    evaluation.get_status_display() if evaluation else "未作成",
                    line.deadline.due_date,
                    line.deadline.wareki,
                    evaluation.submitted_at if evaluation else None,
                    evaluation.accepted_at if evaluation else None,
                    *_texts(evaluation),
                ]
            )
            if evaluation is not None:
                evaluations.append(evaluation)
    for evaluation in others:
        rows.append(
            [
                "他の関係主体",
                evaluation.organization.name,
                period.label,
                evaluation.get_status_display(),
                None,
                "",
                evaluation.submitted_at,
                evaluation.accepted_at,
                *_texts(evaluation),
            ]
        )
        evaluations.append(evaluation)
    columns = EVALUATION_COLUMNS + evaluation_text_columns()
    today = today or timezone.localdate()
    return [Table("自己評価", columns, rows, key="evaluations"), _rating_table(evaluations, today)]


# --- the compilation of a half year (pdca:compilation) ------------------------------------------------------

COMPILATION_COLUMNS = ["区分", "関係主体", "状態", "期限超過", "地域KPI（区分の合計）"]


def compilation_tables(compilation: Compilation) -> list[Table]:
    """The compilation as its page shows it: each body's state and texts by block, then the KPI ratings of
    the evaluations the user may read."""
    rows: list[list[Any]] = []
    for section in compilation.sections:
        for body in section.bodies:
            texts = [text for _label, text in body.texts] if body.visible else [""] * len(TEXT_FIELDS)
            rows.append(
                [
                    section.title,
                    body.organization.name,
                    body.status_label,
                    "期限超過" if body.overdue else "",
                    section.items_text,
                    *texts,
                ]
            )
    columns = COMPILATION_COLUMNS + [SelfEvaluation.field_label(name) for name in TEXT_FIELDS]
    ratings = (
        line
        for section in compilation.sections
        for body in section.bodies
        if body.visible and body.evaluation is not None
        for line in rating_rows(body.evaluation, body.rows)
    )
    return [
        Table("取りまとめ", columns, rows, key="compilation"),
        Table("KPIの自己評価", RATING_COLUMNS, ratings, key="ratings"),
    ]


# --- hands-on support cases (cases:case_list) -----------------------------------------------------------------

CASE_COLUMNS = [
    "企業",
    "支援開始年度",
    "和暦",
    "きっかけ・紹介元",
    "段階",
    "現段階の日数",
    "現段階の期限",
    "期限超過",
    "受付日",
    "閲覧の範囲",
]


def case_rows(user: Any, cases: Any, today: datetime.date) -> Iterator[list[Any]]:
    """The columns of the case list; a referrer's row carries no more than the list shows (status only)."""
    for case in cases:
        access = case_access(user, case)
        yield [
            case.company.name,
            case.fiscal_year,
            fiscal_year_wareki(case.fiscal_year),
            case.referred_by.display_name if case.referred_by else "特許庁（プッシュ型）",
            case.get_stage_display(),
            case.days_in_stage(today),
            case.stage_due_date,
            "期限超過" if case.is_overdue(today) else "",
            case.opened_on,
            "全体" if access == FULL else "状況のみ（紹介した案件）",
        ]


def case_tables(user: Any, lookup: dict[str, Any], today: datetime.date) -> list[Table]:
    cases = SupportCase.objects.visible_to(user).filter(**lookup).select_related(*CASE_RELATED)
    return [Table("支援案件", CASE_COLUMNS, case_rows(user, cases.iterator(chunk_size=1000), today), key="cases")]
