"""The national dashboard, the plan-format report, and what they cost in queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.kpis.achievement import ItemsMet
from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import text_of
from chizai.testing import NAVIGATION_QUERIES

views_today = fx.views_today
views_data = fx.views_data
more_regional_kpis = fx.more_regional_kpis

pytestmark = pytest.mark.django_db

# Pinned: session, user, memberships, the plans (the one shown and the switcher), the data's generation, the KPIs
# listed (own and central), their stored figures, the regional items counted per block, the blocks, the demo-data
# flag, the notices. Not one more per KPI, and the regional KPIs are counted by the database, never loaded.
DASHBOARD_QUERIES = 10 + NAVIGATION_QUERIES
# A reviewer's home adds the prefectures side by side (chizai.pdca.comparison): the prefectures, their regional
# KPIs and those KPIs' stored figures, and the half years (and their self-evaluations, one query, when there are
# half years: not here). Not one more per KPI.
COMPARISON_QUERIES = 4
# Session, user, memberships, the KPI with its targets, actuals and evaluations, its stored figures (the results
# table and the chart), its subsets, demo flag, history, its revisions.
KPI_PAGE_QUERIES = 12 + NAVIGATION_QUERIES


def row_of(page: str, name_part: str) -> str:
    """The <tr> of the KPI table whose name contains `name_part`, tags stripped."""
    for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S):
        if name_part in row:
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    raise AssertionError(f"no row for {name_part!r}")


def regional_rows(page: str) -> list[str]:
    """The rows of the regional summary table (年度・ブロック別), as plain text."""
    start = page.index('id="regional-heading"')
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr[^>]*>.*?</tr>", table.split("</thead>", 1)[1], flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_it_shows_the_plan2_kpis_with_their_computed_achievement(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)

    response = client.get(reverse("kpis:plan_dashboard", args=[2]))

    assert response.status_code == 200
    page = text_of(response)
    assert "第2次地域知財活性化行動計画" in page
    hands_on = row_of(page, "ハンズオン支援社数")
    assert "2022年度" in hands_on and "250社" in hands_on and "277社" in hands_on
    assert "111%" in hands_on and "達成" in hands_on
    business_growth = row_of(page, "事業成長")
    assert "167.3%" in business_growth and "251社" in business_growth and "達成" in business_growth
    foreign_filing = row_of(page, "外国出願補助金")
    assert "82%" in foreign_filing and "未達" in foreign_filing
    assert "2020～2022年度" in row_of(page, "地域金融機関と連携")


def test_it_shows_the_latest_plan_by_default(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)

    response = client.get(reverse("kpis:dashboard"))

    assert response.context["plan"] == views_data.plan3
    page = text_of(response)
    assert "第3次地域知財活性化行動計画" in page
    assert "全国の知財総合支援窓口における相談件数" in page
    assert "ハンズオン支援社数" not in page


def test_it_answers_404_for_a_plan_that_does_not_exist(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)

    assert client.get(reverse("kpis:plan_dashboard", args=[9])).status_code == 404
    assert client.get(reverse("kpis:plan_report", args=[9])).status_code == 404


def test_it_shows_the_plan_report_as_the_plan_writes_it(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)

    response = client.get(reverse("kpis:plan_report", args=[2]))

    assert response.status_code == 200
    page = text_of(response)
    assert "2020年度 267社(107%)" in page
    assert "【実績】213件(85%)" in page
    assert "<h1>第2次地域知財活性化行動計画 評価（2020～2022年度）</h1>" in page


def test_it_downloads_the_plan_report_as_markdown(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)

    response = client.get(reverse("kpis:plan_report", args=[2]), {"format": "md"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="plan2_report.md"'
    text = response.content.decode("utf-8")
    assert text.startswith("# 第2次地域知財活性化行動計画 評価（2020～2022年度）\n")
    assert "【実績】2020年度 267社(107%)、2021年度 256社(102%)、2022年度 277社(111%)" in text.splitlines()


def test_it_summarises_the_visible_regional_kpis_by_year_and_block(client, login, views_data, jpo_admin):
    login(client, jpo_admin)

    response = client.get(reverse("kpis:dashboard"))

    regional = response.context["tables"]["regional"]
    assert regional["count"] == 2
    national = {y["year"]: y["national"] for y in regional["years"]}
    # 東京都 12/10 met, 9/12 not; 大阪府 25/20 met, 18/20 not; 2025: 大阪府 has a first half only, 東京都 nothing.
    assert national == {2023: ItemsMet(2, 2), 2024: ItemsMet(2, 0), 2025: ItemsMet(2, 0)}
    blocks_2023 = {bureau.block_name: items for bureau, items in regional["years"][0]["blocks"]}
    assert blocks_2023 == {"関東": ItemsMet(1, 1), "近畿": ItemsMet(1, 1)}
    page = text_of(response)
    assert "地域KPI（2項目）" in page
    rows = regional_rows(page)
    assert rows[:3] == ["2023年度（令和5年度） 全国 2件 2件 100.0%", "関東 1件 1件 100.0%", "近畿 1件 1件 100.0%"]
    assert rows[3] == "2024年度（令和6年度） 全国 2件 0件 0.0%"
    assert rows[6] == "2025年度（令和7年度） 全国 2件 0件 0.0%"


def test_it_summarises_only_the_regional_kpis_the_user_sees(client, login, views_data, osaka_editor):
    login(client, osaka_editor)

    response = client.get(reverse("kpis:dashboard"))

    regional = response.context["tables"]["regional"]
    assert regional["count"] == 1
    assert {y["year"]: y["national"] for y in regional["years"]}[2023] == ItemsMet(1, 1)
    assert [bureau.block_name for bureau, _ in regional["years"][0]["blocks"]] == ["近畿"]
    assert regional_rows(text_of(response))[:2] == [
        "2023年度（令和5年度） 閲覧できる範囲の合計 1件 1件 100.0%",
        "近畿 1件 1件 100.0%",
    ]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_it_costs_the_same_queries_with_2_or_30_regional_kpis(
    client, login, views_data, more_regional_kpis, jpo_admin, django_assert_max_num_queries
):
    login(client, jpo_admin)
    dashboard = reverse("kpis:dashboard")
    kpi_page = reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])
    client.get(dashboard)  # the session is now warm

    with_2 = (count_queries(client, dashboard), count_queries(client, kpi_page))
    more_regional_kpis(28)
    response = client.get(dashboard)
    assert response.context["tables"]["regional"]["count"] == 30
    with_30 = (count_queries(client, dashboard), count_queries(client, kpi_page))

    assert with_2 == with_30 == (DASHBOARD_QUERIES + COMPARISON_QUERIES, KPI_PAGE_QUERIES)
    with django_assert_max_num_queries(DASHBOARD_QUERIES + COMPARISON_QUERIES):
        client.get(dashboard)


def test_it_costs_the_same_queries_for_a_prefecture_user(client, login, views_data, more_regional_kpis, tokyo_editor):
    login(client, tokyo_editor)
    dashboard = reverse("kpis:dashboard")
    organization = reverse("kpis:organization_detail", args=["pref-13"])
    client.get(dashboard)

    before = (count_queries(client, dashboard), count_queries(client, organization))
    more_regional_kpis(28)
    after = (count_queries(client, dashboard), count_queries(client, organization))

    assert before == after
    assert before[0] == DASHBOARD_QUERIES


# The figures and the menu of a warm dashboard are kept under the data's generation: the session, user and
# memberships, the plans, the generation, the notices and the demo flag. No KPI, figure, prefecture or badge is
# read.
WARM_DASHBOARD_QUERIES = 7


def test_a_kept_dashboard_shows_a_change_at_once(client, login, views_data, jpo_admin, fragment_cache):
    from decimal import Decimal

    from chizai.kpis.actions import save_actual

    login(client, jpo_admin)
    url = reverse("kpis:plan_dashboard", args=[2])
    assert "277社" in row_of(text_of(client.get(url)), "ハンズオン支援社数")
    hands_on = views_data.plan2.kpis.get(name__contains="ハンズオン支援社数")
    actual = hands_on.actuals.get(start_year=2022, end_year=2022, half="FY")

    save_actual(
        kpi=hands_on,
        start_year=2022,
        end_year=2022,
        value=Decimal(300),
        expected_version=actual.version,
        actor=jpo_admin,
        reason="訂正",
    )

    row = row_of(text_of(client.get(url)), "ハンズオン支援社数")
    assert "300社" in row and "277社" not in row and "120%" in row


def test_a_kept_dashboard_reads_no_figures(client, login, views_data, jpo_admin, fragment_cache):
    login(client, jpo_admin)
    dashboard = reverse("kpis:dashboard")
    cold = count_queries(client, dashboard)

    warm = count_queries(client, dashboard)

    assert warm == WARM_DASHBOARD_QUERIES < cold


def test_a_kept_dashboard_is_never_shown_to_another_user(
    client, login, views_data, jpo_admin, tokyo_editor, fragment_cache
):
    login(client, jpo_admin)
    client.get(reverse("kpis:dashboard"))
    client.logout()

    login(client, tokyo_editor)
    page = text_of(client.get(reverse("kpis:dashboard")))

    assert "東京都のKPI" in page and "関東経済産業局" not in page.split("中央KPI")[0]


def test_a_kept_organisation_page_shows_a_change_at_once_and_reads_no_figures(
    client, login, views_data, more_regional_kpis, jpo_admin, fragment_cache
):
    from decimal import Decimal

    from chizai.kpis.actions import save_actual

    login(client, jpo_admin)
    url = reverse("kpis:organization_detail", args=["pref-13"]) + "?plan=3"
    cold = count_queries(client, url)
    warm = count_queries(client, url)
    more_regional_kpis(28)  # other prefectures' KPIs: the kept page still reads no figure
    assert warm == count_queries(client, url) < cold
    assert "9社" in row_of(text_of(client.get(url)), fx.TOKYO_KPI_NAME)

    save_actual(
        kpi=views_data.tokyo,
        start_year=2025,
        end_year=2025,
        value=Decimal(18),
        expected_version=None,
        actor=jpo_admin,
        reason="入力",
    )

    row = row_of(text_of(client.get(url)), fx.TOKYO_KPI_NAME)
    assert "18社" in row and "120%" in row
