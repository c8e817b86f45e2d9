"""Prefectures side by side (都道府県の比較): regional KPI items met per fiscal year and each half year's
self-evaluation status, for a bureau's block or the whole country, sortable; and who may be sent a 督促.

The figures come from `chizai.kpis.comparison` (computed from the KPI data, like the dashboard's regional summary),
the submission status from the rules of `chizai.pdca.deadlines` (like the to-do page).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from chizai.kpis.comparison import BodyYear, body_years
from chizai.kpis.models import Kpi, Plan
from chizai.lib.business_days import business_days_until
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import can_review_organization, is_jpo_reviewer, sees_everything
from chizai.organizations.types import AnyUser
from chizai.pdca.deadlines import DeadlineRow, is_overdue
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status
from chizai.pdca.rules import reviewed_bureaus

# Sort order of a half year's standing: the ones needing a push first.
STATUS_RANK = {
    "overdue": 0,
    Status.RETURNED: 1,
    "": 2,  # 未着手, not yet due
    Status.DRAFT: 3,
    Status.REOPENED: 3,
    Status.SUBMITTED: 4,
    Status.REVIEWED: 5,
    Status.ACCEPTED: 6,
}


@dataclass
class PrefectureRow:
    """One prefecture: its regional KPIs' items met per fiscal year and its standing per half year."""

    organization: Organization
    years: dict[int, BodyYear]
    periods: dict[int, DeadlineRow]
    may_remind: bool = False

    @property
    def overdue_periods(self) -> list[ReportingPeriod]:
        return [row.period for row in self.periods.values() if row.overdue]

    def overdue_rows(self, periods: list[ReportingPeriod]) -> list[DeadlineRow]:
        """The half years the body is late with, oldest first."""
        return [self.periods[p.pk] for p in periods if p.pk in self.periods and self.periods[p.pk].overdue]

    @property
    def overdue(self) -> bool:
        return bool(self.overdue_periods)

    def year(self, year: int) -> BodyYear | None:
        return self.years.get(year)

    def year_cells(self, years: list[int]) -> list[BodyYear | None]:
        return [self.years.get(year) for year in years]

    def period_cells(self, periods: list[ReportingPeriod]) -> list[tuple[str, str]]:
        """(short status, css class) per half year: 受理, 提出済み …, 期限超過（未着手）."""
        return [_standing(self.periods.get(period.pk)) for period in periods]


SHORT_STATUS: dict[str, str] = {
    Status.DRAFT: "作成中",
    Status.SUBMITTED: "提出済み",
    Status.REVIEWED: "局確認済み",
    Status.ACCEPTED: "受理",
    Status.RETURNED: "差戻し",
    Status.REOPENED: "再開（修正中）",
}


def _standing(row: DeadlineRow | None) -> tuple[str, str]:
    if row is None:
        return "—", ""
    status = SHORT_STATUS.get(row.evaluation.status, "") if row.evaluation else "未着手"
    if row.overdue:
        return f"期限超過（{status}）", "status-overdue"
    return status, "status-done" if row.submitted else ""


@dataclass(frozen=True)
class Header:
    label: str
    sub: str
    css: str
    next_sort: str
    arrow: str


@dataclass
class Comparison:
    plan: Plan
    scope_label: str
    years: list[int]
    periods: list[ReportingPeriod]
    rows: list[PrefectureRow]
    sort: str
    may_remind: bool = False

    @property
    def headers(self) -> list[Header]:
        """The column headings with their sort links: code, then each year, then each half year."""
        columns = [
            ("code", "都道府県", "", ""),
            *((f"items-{y}", f"{y}年度", "地域KPI 達成／項目", "num") for y in self.years),
            *((f"period-{p.pk}", p.short_label, "自己評価", "") for p in self.periods),
        ]
        current = self.sort or "code"
        return [
            Header(
                label,
                sub,
                css,
                next_sort=f"-{key}" if current == key else key,
                arrow="▲" if current == key else ("▼" if current == f"-{key}" else ""),
            )
            for key, label, sub, css in columns
        ]

    @property
    def overdue_rows(self) -> list[PrefectureRow]:
        return [row for row in self.rows if row.overdue]

    @property
    def remindable(self) -> list[PrefectureRow]:
        return [row for row in self.rows if row.overdue and row.may_remind]


def compared_prefectures(user: AnyUser) -> tuple[list[Organization], str]:
    """The prefectures the user compares: the whole country (JPO), the reviewed blocks (a bureau), else those seen."""
    prefectures = Organization.objects.filter(kind=OrganizationKind.PREFECTURE).select_related("bureau")
    if sees_everything(user):
        return list(prefectures.order_by("jis_code")), "全国"
    bureaus = reviewed_bureaus(user)
    if bureaus:
        label = "・".join(f"{b.block_name}ブロック" for b in bureaus)
        return list(prefectures.filter(bureau__in=bureaus).order_by("jis_code")), label
    visible = Organization.objects.visible_to(user).filter(kind=OrganizationKind.PREFECTURE)
    return list(visible.select_related("bureau").order_by("jis_code")), "閲覧できる範囲"


def compare(
    user: AnyUser,
    plan: Plan,
    today: datetime.date,
    *,
    sort: str = "",
    years: list[int] | None = None,
) -> Comparison:
    """The comparison table for the user, sorted by `sort` (a column key, "-" first for descending)."""
    prefectures, label = compared_prefectures(user)
    years = years or plan.fiscal_years
    figures = body_years(Kpi.objects.for_plan(plan).regional().filter(owner__in=prefectures), years, today)
    periods = list(
        ReportingPeriod.objects.filter(plan=plan, fiscal_year__in=years)
        .select_related("plan")
        .order_by("fiscal_year", "half")
    )
    standing = _standing_of(prefectures, periods, today)
    rows = [
        PrefectureRow(
            p,
            figures.get(p.pk, {}),
            standing[p.pk],
            may_remind=is_jpo_reviewer(user) or can_review_organization(user, p),
        )
        for p in prefectures
    ]
    comparison = Comparison(plan, label, years, periods, rows, sort)
    comparison.may_remind = any(row.may_remind for row in rows)
    comparison.rows = sorted_rows(rows, sort)
    return comparison


def _standing_of(
    prefectures: list[Organization], periods: list[ReportingPeriod], today: datetime.date
) -> dict[int, dict[int, DeadlineRow]]:
    """Per prefecture and half year, its standing as the to-do page states it (one query for every period)."""
    evaluations = SelfEvaluation.objects.filter(period__in=periods, organization__in=prefectures)
    found = {(e.organization_id, e.period_id): e for e in evaluations}
    standing: dict[int, dict[int, DeadlineRow]] = {p.pk: {} for p in prefectures}
    for period in periods:
        days_left = business_days_until(today, period.due_date)
        for prefecture in prefectures:
            evaluation = found.get((prefecture.pk, period.pk))
            if evaluation is not None:
                evaluation.period, evaluation.organization = period, prefecture
            standing[prefecture.pk][period.pk] = DeadlineRow(
                period=period,
                organization=prefecture,
                evaluation=evaluation,
                due_date=period.due_date,
                business_days_left=days_left,
                overdue=is_overdue(period, evaluation, today),
            )
    return standing


def _rank(row: DeadlineRow | None) -> int:
    if row is None:
        return 9
    if row.overdue:
        return STATUS_RANK["overdue"]
    return STATUS_RANK.get(row.evaluation.status if row.evaluation else "", 2)


def sorted_rows(rows: list[PrefectureRow], sort: str) -> list[PrefectureRow]:
    """Rows in the order asked: by JIS code, by a year's achievement rate (no items last), or by a half year's
    standing (overdue first); "-" first reverses. Ties keep the JIS order."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    by_code = sorted(rows, key=lambda r: r.organization.jis_code)
    if key.startswith("items-") and key[6:].isdigit():
        year = int(key[6:])

        def rate(row: PrefectureRow) -> tuple[bool, Decimal]:
            found = row.year(year)
            value = found.rate if found is not None else None
            return (value is None, -(value or Decimal(0)) if descending else (value or Decimal(0)))

        return sorted(by_code, key=rate)
    if key.startswith("period-") and key[7:].isdigit():
        period_id = int(key[7:])
        return sorted(by_code, key=lambda r: _rank(r.periods.get(period_id)), reverse=descending)
    return list(reversed(by_code)) if descending and key == "code" else by_code
