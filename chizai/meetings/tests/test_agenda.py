"""The agenda of a liaison meeting is computed from the KPI and self-evaluation data of its block."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chizai.kpis.achievement import ItemsMet
from chizai.meetings import actions
from chizai.meetings.agenda import Tally, build_agenda
from chizai.meetings.tests.conftest import AFTER_FY2024

pytestmark = pytest.mark.django_db


@pytest.fixture
def block_kpis(regional_kpi):
    """東京都: one KPI met and one missed in FY2024, one met in FY2023; 神奈川県: one met; 大阪府 (近畿): one."""
    return {
        "tokyo_a": regional_kpi("pref-13", {2023: 10, 2024: 10}, {2023: 12, 2024: 8}),
        "tokyo_b": regional_kpi("pref-13", {2024: 5}, {"2024H1": 2, "2024H2": 3}),
        "kanagawa": regional_kpi("pref-14", {2024: 20}, {2024: 25}),
        "osaka": regional_kpi("pref-27", {2024: 1}, {2024: 2}),
    }


def _year(agenda, year):
    return next(y for y in agenda.kpi_status if y.fiscal_year == year)


def _row(year_status, code):
    return next(tally for prefecture, tally in year_status.prefectures if prefecture.code == code)


def test_it_counts_the_blocks_regional_kpi_items_met_per_prefecture_and_for_the_block(kanto_meeting, block_kpis):
    agenda = build_agenda(kanto_meeting, AFTER_FY2024)

    fy2024 = _year(agenda, 2024)
    assert _row(fy2024, "pref-13") == Tally(ItemsMet(total=2, met=1), not_achieved=1, in_progress=0)
    assert _row(fy2024, "pref-14") == Tally(ItemsMet(total=1, met=1))
    assert _row(fy2024, "pref-08") == Tally(ItemsMet(total=0, met=0))  # 茨城県: no regional KPIs yet
    assert fy2024.block.items == ItemsMet(total=3, met=2)  # 大阪府 (近畿) is not counted
    assert fy2024.block.items.rate == Decimal("66.7")
    assert [p.code for p, _ in fy2024.prefectures][:3] == ["pref-08", "pref-09", "pref-10"]
    assert len(fy2024.prefectures) == 11  # 関東: 茨城 栃木 群馬 埼玉 千葉 東京 神奈川 新潟 山梨 長野 静岡


def test_it_looks_back_at_the_previous_year_when_the_meeting_is_held_in_the_first_half(kanto_meeting, block_kpis):
    agenda = build_agenda(kanto_meeting, AFTER_FY2024)

    assert agenda.fiscal_years == [2023, 2024]
    assert _year(agenda, 2023).block.items == ItemsMet(total=1, met=1)


def test_it_shows_only_the_meetings_year_when_held_in_the_second_half(kanto_meeting, block_kpis):
    kanto_meeting.held_on = datetime.date(2024, 11, 20)

    assert build_agenda(kanto_meeting, AFTER_FY2024).fiscal_years == [2024]


def test_it_counts_a_year_not_yet_ended_as_in_progress(kanto_meeting, block_kpis):
    agenda = build_agenda(kanto_meeting, datetime.date(2024, 12, 1))

    fy2024 = _year(agenda, 2024)
    assert fy2024.block == Tally(ItemsMet(total=3, met=0), not_achieved=0, in_progress=3)


def test_it_lists_the_proposed_revisions_of_the_blocks_kpis_only(
    kanto_meeting, block_kpis, make_revision, kanto_reviewer
):
    tokyo = make_revision(block_kpis["tokyo_a"])
    make_revision(block_kpis["osaka"])  # 近畿: reported at its own block's meeting
    withdrawn = make_revision(block_kpis["kanagawa"])
    withdrawn.status = "withdrawn"
    withdrawn.save()

    agenda = build_agenda(kanto_meeting, AFTER_FY2024)

    assert agenda.pending_revisions == [tokyo]


def test_it_shares_advanced_practices_of_submitted_evaluations_but_not_drafts(kanto_meeting, make_evaluation):
    submitted = make_evaluation("pref-13", 2023, "H2", advanced_practice="金融機関と連携した知財金融の取組")
    make_evaluation("pref-14", 2024, "H1", status="draft", advanced_practice="下書き中の取組")
    make_evaluation("pref-27", 2024, "H1", advanced_practice="近畿の取組")  # another block
    make_evaluation("pref-14", 2023, "H2", status="accepted", advanced_practice="")  # nothing to share
    make_evaluation("pref-13", 2025, "H1", advanced_practice="翌年度の取組")  # after the meeting's years

    agenda = build_agenda(kanto_meeting, AFTER_FY2024)

    assert agenda.advanced_practices == [submitted]


def test_it_takes_each_prefectures_latest_shared_improvement_actions(kanto_meeting, make_evaluation):
    make_evaluation("pref-13", 2023, "H2", status="accepted", improvements="古い改善策")
    latest = make_evaluation("pref-13", 2024, "H1", status="reviewed", improvements="窓口との連携を強化する")
    make_evaluation("pref-13", 2025, "H1", improvements="翌年度の改善策")  # after the meeting's year
    make_evaluation("pref-14", 2024, "H1", status="draft", improvements="下書き")

    agenda = build_agenda(kanto_meeting, AFTER_FY2024)

    by_code = {item.prefecture.code: item.evaluation for item in agenda.improvements}
    assert by_code["pref-13"] == latest
    assert by_code["pref-14"] is None
    assert "pref-27" not in by_code


KANTO = ["pref-08", "pref-09", "pref-10", "pref-11", "pref-12", "pref-13", "pref-14", "pref-15", "pref-19"]


def test_it_builds_the_agenda_in_a_fixed_number_of_queries(kanto_meeting, regional_kpi, make_revision, make_evaluation):
    def count(extra_kpis: int) -> int:
        for index in range(extra_kpis):
            kpi = regional_kpi(KANTO[index % len(KANTO)], {2024: 10}, {2024: index})
            make_revision(kpi)
        with CaptureQueriesContext(connection) as queries:
            build_agenda(kanto_meeting, AFTER_FY2024)
        return len(queries)

    few = count(2)
    for code in KANTO:
        make_evaluation(code, 2024, "H1", advanced_practice="取組", improvements="改善策")
    assert count(20) == few


def test_it_offers_the_blocks_shared_evaluations_for_decisions(kanto_meeting, make_evaluation):
    shared = make_evaluation("pref-14", 2024, "H1", status="returned")
    make_evaluation("pref-13", 2024, "H1", status="draft")
    make_evaluation("pref-27", 2024, "H1")

    assert list(actions.linkable_evaluations(kanto_meeting)) == [shared]
