from datetime import date

import pytest
from django.db.models import Q

from chizai.kpis.models import Kpi, KpiKind, Plan
from chizai.lib.business_days import is_business_day
from chizai.organizations.models import OrganizationKind
from chizai.pdca.actions import ensure_periods
from chizai.pdca.deadlines import (
    current_periods,
    is_open,
    japanese_date,
    open_periods,
    period_status,
    reminder_days_before,
    required_organizations,
)
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    """A one-year plan for FY2026 whose central KPIs belong to JPO and INPIT."""
    plan = Plan.objects.create(number=91, name="テスト計画", first_fiscal_year=2026, last_fiscal_year=2026)
    ensure_periods(plan)
    return plan


@pytest.fixture
def central_kpis(plan, org):
    for code in ("jpo", "inpit"):
        Kpi.objects.create(
            plan=plan, code=f"kpi-{code}", kind=KpiKind.CORE, name="支援件数", owner=org(code), unit="件"
        )


def first_half(plan):
    return ReportingPeriod.objects.get(plan=plan, fiscal_year=2026, half="H1")


def row_of(rows, code):
    return next(row for row in rows if row.organization.code == code)


def test_it_sets_the_first_half_due_date_to_the_end_of_october_moved_back_from_a_saturday(plan):
    assert first_half(plan).due_date == date(2026, 10, 30)  # 10/31 is a Saturday


def test_it_sets_the_second_half_due_date_to_the_end_of_april_after_the_year(plan):
    assert ReportingPeriod.objects.get(plan=plan, half="H2").due_date == date(2027, 4, 30)


def test_it_moves_an_april_due_date_back_from_a_substitute_holiday():
    plan = Plan.objects.create(number=92, name="テスト計画", first_fiscal_year=2028, last_fiscal_year=2028)
    ensure_periods(plan)
    assert ReportingPeriod.objects.get(plan=plan, half="H2").due_date == date(2029, 4, 27)  # 4/30 is 振替休日


def test_it_puts_every_default_due_date_of_a_plan_on_a_business_day():
    plan = Plan.objects.create(number=93, name="テスト計画", first_fiscal_year=2023, last_fiscal_year=2031)
    assert all(is_business_day(period.due_date) for period in ensure_periods(plan))


def test_it_requires_every_prefecture_and_every_support_window(plan):
    organizations = required_organizations(plan)
    kinds = [o.kind for o in organizations]
    assert kinds.count(OrganizationKind.PREFECTURE) == 47
    assert kinds.count(OrganizationKind.INPIT_WINDOW) == 47
    assert OrganizationKind.BUREAU not in kinds


def test_it_requires_the_central_bodies_that_own_a_kpi_of_the_plan_and_lists_them_first(plan, central_kpis):
    organizations = required_organizations(plan)
    assert len(organizations) == 96
    assert {o.code for o in organizations[:2]} == {"jpo", "inpit"}


def test_it_lists_the_blocks_in_order_with_each_window_after_its_prefecture(plan, central_kpis):
    codes = [o.code for o in required_organizations(plan)]
    assert codes[:4] == ["jpo", "inpit", "pref-01", "window-01"]
    assert codes.index("pref-13") + 1 == codes.index("window-13")
    assert codes.index("pref-13") < codes.index("pref-27")


def test_it_does_not_require_central_bodies_without_a_kpi_of_the_plan(plan):
    assert not {"jpo", "inpit"} & {o.code for o in required_organizations(plan)}


def test_it_narrows_the_required_bodies_to_a_block(plan, central_kpis, org):
    organizations = required_organizations(plan, Q(bureau=org("bureau-kinki")))
    assert {o.code for o in organizations} >= {"pref-27", "window-27"}
    assert "pref-13" not in {o.code for o in organizations}
    assert len(organizations) == 14  # 7 prefectures and their windows


def test_it_marks_a_body_that_has_not_started_as_not_started(plan):
    row = row_of(period_status(first_half(plan), date(2026, 10, 23)), "pref-13")
    assert row.evaluation is None
    assert row.status_label == "未着手"
    assert row.due_date == date(2026, 10, 30)
    assert row.due_date_label == "2026年10月30日（金）"
    assert row.business_days_left == 5
    assert row.remaining_label == "残り5営業日"
    assert not row.overdue


def test_it_shows_the_status_of_a_started_evaluation(plan, org):
    period = first_half(plan)
    evaluation = SelfEvaluation.objects.create(period=period, organization=org("pref-13"), status=Status.SUBMITTED)
    row = row_of(period_status(period, date(2026, 10, 23)), "pref-13")
    assert row.evaluation == evaluation
    assert row.status_label == "提出済み（局の確認待ち）"
    assert row.remaining_label == "—"


def test_it_is_not_overdue_on_the_due_date(plan):
    row = row_of(period_status(first_half(plan), date(2026, 10, 30)), "pref-13")
    assert not row.overdue
    assert row.business_days_left == 0
    assert row.remaining_label == "本日が期限"


def test_it_is_overdue_the_day_after_the_due_date_even_on_a_weekend(plan):
    row = row_of(period_status(first_half(plan), date(2026, 10, 31)), "pref-13")
    assert row.overdue
    assert row.remaining_label == "期限超過"


def test_it_counts_business_days_past_the_due_date(plan):
    row = row_of(period_status(first_half(plan), date(2026, 11, 4)), "pref-13")
    assert row.business_days_left == -2
    assert row.remaining_label == "期限超過（2営業日）"


@pytest.mark.parametrize(
    ("status", "overdue"),
    [
        (Status.DRAFT, True),
        (Status.RETURNED, True),
        (Status.REOPENED, True),
        (Status.SUBMITTED, False),
        (Status.REVIEWED, False),
        (Status.ACCEPTED, False),
    ],
)
def test_it_is_overdue_only_while_not_handed_in(plan, org, status, overdue):
    period = first_half(plan)
    SelfEvaluation.objects.create(period=period, organization=org("pref-13"), status=status)
    assert row_of(period_status(period, date(2026, 11, 2)), "pref-13").overdue is overdue


def test_it_reads_the_due_date_changed_in_the_admin(plan):
    period = first_half(plan)
    period.due_date = date(2026, 11, 13)
    period.save()
    row = row_of(period_status(period, date(2026, 11, 2)), "pref-13")
    assert not row.overdue
    assert row.due_date == date(2026, 11, 13)


def test_it_reads_a_period_status_in_a_fixed_number_of_queries(plan, org, django_assert_num_queries):
    period = first_half(plan)
    for code in ("pref-13", "pref-14", "pref-27", "window-13"):
        SelfEvaluation.objects.create(period=period, organization=org(code))
    with django_assert_num_queries(2):
        rows = period_status(period, date(2026, 11, 2))
        assert [row.evaluation.period.label for row in rows if row.evaluation]


def test_it_opens_a_period_after_its_half_year_until_the_next_half_year_ends(plan):
    period = first_half(plan)
    assert not is_open(period, date(2026, 9, 30))
    assert is_open(period, date(2026, 10, 1))
    assert is_open(period, date(2027, 3, 31))
    assert not is_open(period, date(2027, 4, 1))


def test_it_lists_one_open_period_per_plan(plan):
    assert [p.label for p in open_periods(date(2026, 11, 2))] == ["2026年度上期（令和8年度上期）"]
    assert [p.half for p in open_periods(date(2027, 4, 15))] == ["H2"]
    assert open_periods(date(2026, 8, 1)) == []


def test_it_falls_back_to_the_most_recent_period_once_nothing_is_open(plan):
    assert [p.half for p in current_periods(date(2028, 1, 10))] == ["H2"]
    assert current_periods(date(2026, 8, 1)) == []


def test_it_reminds_five_business_days_before_by_default(settings):
    del settings.CHIZAI_REMINDER_DAYS_BEFORE
    assert reminder_days_before() == 5


def test_it_reads_the_reminder_days_from_the_settings(settings):
    settings.CHIZAI_REMINDER_DAYS_BEFORE = 3
    assert reminder_days_before() == 3


def test_it_falls_back_to_the_default_on_a_bad_setting(settings):
    settings.CHIZAI_REMINDER_DAYS_BEFORE = "soon"
    assert reminder_days_before() == 5


def test_it_writes_dates_as_japanese_officials_do():
    assert japanese_date(date(2027, 4, 30)) == "2027年4月30日（金）"
