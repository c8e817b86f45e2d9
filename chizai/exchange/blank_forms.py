"""Downloadable import templates (取込用のひな形), pre-filled with the user's organisation and periods.

The register template lists the organisation's KPIs (so they can be corrected and re-imported) and a few
empty rows with the prefecture filled in for new KPIs; the actuals template has one row per KPI and half
year of the current fiscal year with 実績 left blank. Both carry a 記入方法 sheet explaining every column
(`Column.help`). Users of central bodies and bureaus, who enter no regional KPIs of their own, get the
same templates with the 都道府県 column left empty.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from chizai.exchange.columns import (
    ACTUALS_COLUMNS,
    ACTUALS_SHEET,
    REGISTER_COLUMNS,
    REGISTER_SHEET,
    SHAPE_LABELS,
    Column,
)
from chizai.exchange.exports import Table
from chizai.exchange.tables import organization_kpis, register_headings, register_row
from chizai.kpis.models import HalfChoice, Plan, Shape
from chizai.lib.fiscal import fiscal_year_of
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import primary_organization, sees_everything

NEW_KPI_ROWS = 5
VALIDATED_ROWS = 300  # rows below the data that still offer the 形式 drop-down
HELP_SHEET = "記入方法"
HELP_COLUMNS = ["列", "必須", "記入方法"]


def template_organization(user: Any) -> Organization | None:
    """The prefecture (or other regional body) whose name the templates are pre-filled with, if any."""
    home = primary_organization(user)
    if home is None or sees_everything(user) or home.is_central or home.kind == OrganizationKind.BUREAU:
        return None
    return home


def _help_table(columns: Iterable[Column], extra: list[list[Any]]) -> Table:
    rows = [[c.header, "必須" if c.required else "", c.help] for c in columns]
    return Table(HELP_SHEET, HELP_COLUMNS, rows + extra, key="help")


def register_template(user: Any, plan: Plan) -> list[Table]:
    organization = template_organization(user)
    headings = register_headings(plan)
    kpis = organization_kpis(organization, plan) if organization else []
    rows = [register_row(organization, kpi) for kpi in kpis] if organization else []
    blank = [organization.name if organization else None] + [None] * (len(headings) - 1)
    rows += [list(blank) for _ in range(NEW_KPI_ROWS)]
    first, last = plan.first_fiscal_year, plan.last_fiscal_year
    year_help = [
        [
            f"{first}年度目標 ～ {last}年度目標",
            "",
            "年度ごとの目標値（累計の形式では計画期間の初年度からその年度までの累計）。目標年度・目標値の代わりに使えます。",
        ],
        ["（全体）", "", "1行に1つのKPIを記入します。記入しない行は削除するか空欄のままにしてください。"],
    ]
    sheet = Table(
        REGISTER_SHEET,
        headings,
        rows,
        key="register",
        choices={"形式": list(SHAPE_LABELS.values())},
        blank_rows=VALIDATED_ROWS,
    )
    return [sheet, _help_table(REGISTER_COLUMNS, year_help)]


def template_year(plan: Plan, today: datetime.date) -> int:
    """The current fiscal year, kept within the plan's period."""
    return min(max(fiscal_year_of(today), plan.first_fiscal_year), plan.last_fiscal_year)


def actuals_template(user: Any, plan: Plan, today: datetime.date) -> list[Table]:
    organization = template_organization(user)
    kpis = organization_kpis(organization, plan) if organization else []
    year = template_year(plan, today)
    rows = [
        [organization.name, kpi.code, kpi.name, year, HalfChoice(half).label, None, None, None, None]
        for kpi in kpis
        if organization is not None and not kpi.counting_rule
        for half in (HalfChoice.FIRST, HalfChoice.SECOND)
    ]
    if not rows:
        blank = [organization.name if organization else None, None, None, year, HalfChoice.FIRST.label]
        rows = [blank + [None] * (len(ACTUALS_COLUMNS) - len(blank))]
    notes = [
        [
            "（全体）",
            "",
            "1行に1つのKPIと期間を記入します。実績も評価コメントも記入しない行は削除してください"
            "（空欄のままだと「実績が空欄です」と表示されます）。",
        ],
        [
            "（定性のKPI）",
            "",
            "形式が「定性」のKPIは実績の数値を入力せず、評価コメントだけを記入します。"
            if any(k.shape == Shape.QUALITATIVE for k in kpis)
            else "形式が「定性」のKPIは評価コメントだけを記入します。",
        ],
    ]
    sheet = Table(ACTUALS_SHEET, [c.header for c in ACTUALS_COLUMNS], rows, key="actuals")
    return [sheet, _help_table(ACTUALS_COLUMNS, notes)]
