"""The export downloads through HTTP: what each role gets, what is refused exactly as the page refuses it,
and a number of queries that does not grow with the rows."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.cases.tests import fixtures_cases as cases_fx
from chizai.kpis.models import Kpi, Plan, Shape
from chizai.kpis.tests import conftest as kpi_fixtures
from chizai.pdca import actions as pdca_actions
from chizai.pdca.tests.fixtures_pdca import advance, make_evaluation

# The KPI factories of the KPI tests, taken by assignment (as the other apps' fixtures are).
make_plan = kpi_fixtures.make_plan
add_actuals = kpi_fixtures.add_actuals
make_kpi = kpi_fixtures.make_kpi

cases_data = cases_fx.cases_data
cases_today = cases_fx.cases_today


def _workbook(response: Any) -> openpyxl.Workbook:
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _csv_rows(response: Any, encoding: str = "cp932") -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    text = b"".join(response.streaming_content).decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def _values(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _column(sheet: Any, heading: str) -> list[Any]:
    rows = _values(sheet)
    index = rows[0].index(heading)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def two_prefectures(make_kpi: Callable[..., Kpi]) -> Plan:
    make_kpi(name="東京都の知財セミナー開催件数", targets={2023: 10}, actuals={2023: 12})
    make_kpi(name="東京都の知財相談件数", targets={2023: 100}, actuals={"2023H1": 40, "2023H2": 50})
    make_kpi(name="大阪府の知財セミナー開催件数", owner="pref-27", targets={2023: 8}, actuals={2023: 4})
    return Plan.objects.get(number=90)


def _org_url(code: str, fmt: str = "xlsx") -> str:
    return reverse("exchange:export_organization", args=[code, fmt]) + "?plan=90"


# --- access ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_the_login_page(client: Any, two_prefectures: Plan) -> None:
    for url in (
        _org_url("pref-13"),
        reverse("exchange:export_dashboard", args=[90, "csv"]),
        reverse("exchange:export_evaluations", args=["xlsx"]),
        reverse("exchange:export_cases", args=["csv"]),
        reverse("exchange:import_template", args=["register", "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["tokyo_editor", "tokyo_viewer", "kanto_reviewer", "jpo_viewer"])
def test_it_exports_tokyos_kpis_to_everyone_who_sees_the_page(
    client: Any, login: Callable[..., Any], two_prefectures: Plan, username: str, django_user_model: Any
) -> None:
    login(client, django_user_model.objects.get(username=username))
    workbook = _workbook(client.get(_org_url("pref-13")))

    assert workbook.sheetnames == ["KPI一覧", "実績", "達成状況"]
    assert _column(workbook["KPI一覧"], "KPI名") == ["東京都の知財セミナー開催件数", "東京都の知財相談件数"]
    assert _column(workbook["KPI一覧"], "2023年度目標") == [10, 100]
    assert _column(workbook["実績"], "期") == ["通期", "上期", "下期"]
    assert _column(workbook["達成状況"], "達成率（%）") == [120, 90]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["tokyo_editor", "kanagawa_editor", "kanto_reviewer"])
def test_it_refuses_osakas_kpis_with_the_pages_status(
    client: Any, login: Callable[..., Any], two_prefectures: Plan, username: str, django_user_model: Any
) -> None:
    login(client, django_user_model.objects.get(username=username))
    page = client.get(reverse("kpis:organization_detail", args=["pref-27"]))
    for fmt in ("xlsx", "csv"):
        assert client.get(_org_url("pref-27", fmt)).status_code == page.status_code == 404


@pytest.mark.django_db
def test_it_gives_each_sheet_as_csv_in_either_encoding(
    client: Any, login: Callable[..., Any], two_prefectures: Plan, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    register = client.get(_org_url("pref-13", "csv"))
    assert register["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert "filename*=utf-8''" in register["Content-Disposition"]
    assert _csv_rows(register)[0][:3] == ["都道府県", "KPIコード", "KPI名"]

    actuals = client.get(_org_url("pref-13", "csv") + "&sheet=actuals&encoding=utf-8")
    assert actuals["Content-Type"] == "text/csv; charset=UTF-8"
    rows = _csv_rows(actuals, "utf-8-sig")
    assert rows[0] == ["都道府県", "KPIコード", "KPI名", "年度", "期", "実績", "該当数", "対象数", "評価コメント"]
    assert [row[3:6] for row in rows[1:]] == [["2023", "通期", "12"], ["2023", "上期", "40"], ["2023", "下期", "50"]]


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_format(client: Any, login: Callable[..., Any], tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    assert client.get("/exports/cases.xls").status_code == 404


# --- the dashboard -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_exports_the_dashboard_as_the_user_sees_it(
    client: Any, login: Callable[..., Any], two_prefectures: Plan, make_kpi: Callable[..., Kpi], tokyo_editor: Any
) -> None:
    make_kpi(name="中央KPI: 支援企業数", owner="jpo", kind="core", targets={2023: 60}, actuals={2023: 66})
    login(client, tokyo_editor)
    workbook = _workbook(client.get(reverse("exchange:export_dashboard", args=[90, "xlsx"])))

    kpis = workbook["KPI"]
    names = _column(kpis, "KPI・効果指標")
    assert names == ["東京都の知財セミナー開催件数", "東京都の知財相談件数", "中央KPI: 支援企業数"]
    assert _column(kpis, "区分") == ["東京都のKPI", "東京都のKPI", "中央KPI・効果指標"]
    assert _column(kpis, "達成率（%）") == [120, 90, 110]
    regional = _values(workbook["地域KPIの達成状況"])
    # 東京都's two KPIs only: 大阪府's is outside tokyo_editor's view, as on the page.
    assert regional[1][2:] == ["閲覧できる範囲の合計", 2, 1, 50]


@pytest.mark.django_db
def test_a_kept_dashboard_export_is_the_users_own_and_follows_a_change_at_once(
    client: Any,
    login: Callable[..., Any],
    two_prefectures: Plan,
    tokyo_editor: Any,
    osaka_editor: Any,
    fragment_cache: Any,
) -> None:
    from chizai.kpis.actions import save_actual

    url = reverse("exchange:export_dashboard", args=[90, "xlsx"])
    login(client, tokyo_editor)
    assert _column(_workbook(client.get(url))["KPI"], "達成率（%）") == [120, 90]
    seminar = Kpi.objects.get(name="東京都の知財セミナー開催件数")
    actual = seminar.actuals.get()
    save_actual(
        kpi=seminar,
        start_year=actual.start_year,
        end_year=actual.end_year,
        value=actual.value * 2,
        expected_version=actual.version,
        actor=tokyo_editor,
        reason="訂正",
    )
    assert _column(_workbook(client.get(url))["KPI"], "達成率（%）") == [240, 90]

    client.logout()
    login(client, osaka_editor)
    assert "東京都のKPI" not in _column(_workbook(client.get(url))["KPI"], "区分")


# --- self-evaluations ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_exports_the_evaluation_list_without_others_drafts(
    client: Any, login: Callable[..., Any], make_plan: Callable[..., Plan], kanto_reviewer: Any
) -> None:
    plan = make_plan(90)
    period = pdca_actions.ensure_periods(plan)[0]
    advance(make_evaluation(period, "pref-14"), "submit")  # 神奈川県: submitted, visible to its bureau
    make_evaluation(period, "pref-13")  # 東京都: a draft, seen only inside 東京都
    login(client, kanto_reviewer)
    url = reverse("exchange:export_evaluations", args=["xlsx"]) + f"?plan=90&period={period.pk}"
    rows = _values(_workbook(client.get(url))["自己評価"])

    own = [row for row in rows[1:] if row[0] == "自組織"]
    assert [row[1:4] for row in own[:2]] == [
        ["関東経済産業局 知的財産室", "2023年度上期（令和5年度上期）", "未作成"],
        ["関東経済産業局 知的財産室", "2023年度下期（令和5年度下期）", "未作成"],
    ]
    others = [row[1:4] for row in rows[1:] if row[0] == "他の関係主体"]
    assert others == [["神奈川県", "2023年度上期（令和5年度上期）", "提出済み（局の確認待ち）"]]
    assert isinstance(rows[1 + len(own)][6], datetime.datetime)  # 提出日時 as a date cell


# --- cases -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_exports_only_the_cases_a_referrer_may_see_and_no_notes(
    client: Any, login: Callable[..., Any], cases_data: Any, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    rows = _csv_rows(client.get(reverse("exchange:export_cases", args=["csv"])))

    assert [row[0] for row in rows[1:]] == [cases_fx.TOKYO_COMPANY]
    assert rows[1][-1] == "状況のみ（紹介した案件）"
    text = "\n".join(",".join(row) for row in rows)
    for secret in (cases_fx.HEARING_SECRET, cases_fx.ISSUE_SECRET, cases_fx.FOLLOW_UP_SECRET):
        assert secret not in text


@pytest.mark.django_db
def test_it_exports_every_case_to_jpo_with_the_pages_filters(
    client: Any, login: Callable[..., Any], cases_data: Any, jpo_viewer: Any
) -> None:
    login(client, jpo_viewer)
    everything = _csv_rows(client.get(reverse("exchange:export_cases", args=["csv"])))
    filtered = _csv_rows(client.get(reverse("exchange:export_cases", args=["csv"]) + "?year=2024"))

    assert sorted(row[0] for row in everything[1:]) == sorted(cases_data.company_names)
    assert [row[0] for row in filtered[1:]] == [cases_fx.PUSH_COMPANY]


@pytest.mark.django_db
def test_it_exports_the_cases_searched_and_filtered_on_the_list_and_never_more(
    client: Any, login: Callable[..., Any], cases_data: Any, jpo_viewer: Any, tokyo_editor: Any
) -> None:
    url = reverse("exchange:export_cases", args=["csv"])
    login(client, jpo_viewer)
    assert [row[0] for row in _csv_rows(client.get(url + "?prefecture=pref-14"))[1:]] == [cases_fx.KANAGAWA_COMPANY]
    assert [row[0] for row in _csv_rows(client.get(url + "?q=精密"))[1:]] == [cases_fx.TOKYO_COMPANY]
    login(client, tokyo_editor)
    assert _csv_rows(client.get(url + "?prefecture=pref-14"))[1:] == []
    assert _csv_rows(client.get(url + "?q=湘南バイオ"))[1:] == []


# --- query counts ------------------------------------------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.django_db
def test_it_costs_the_same_queries_for_few_or_many_kpis(
    client: Any, login: Callable[..., Any], make_kpi: Callable[..., Kpi], tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    urls = [_org_url("pref-13"), reverse("exchange:export_dashboard", args=[90, "xlsx"])]
    make_kpi(targets={2023: 10}, actuals={2023: 5})
    few = [_queries(client, url) for url in urls]
    for _ in range(5):
        make_kpi(shape=Shape.STOCK, targets={2023: 10, 2024: 12}, actuals={"2023H1": 5, "2023H2": 7})
    many = [_queries(client, url) for url in urls]
    assert many == few
    assert max(many) <= 15


@pytest.mark.django_db
def test_it_costs_the_same_queries_for_few_or_many_cases(
    client: Any, login: Callable[..., Any], cases_data: Any, jpo_viewer: Any
) -> None:
    login(client, jpo_viewer)
    url = reverse("exchange:export_cases", args=["xlsx"])
    few = _queries(client, url)
    for n in range(4):
        company = cases_fx.make_company(f"追加企業{n}株式会社", base12=f"13000000010{n}")
        cases_fx.actions.open_case(company=company, actor=cases_fx.user("jpo_admin"), opened_on=cases_fx.TODAY)
    assert _queries(client, url) == few


@pytest.mark.django_db
def test_it_offers_the_downloads_next_to_each_table(
    client: Any, login: Callable[..., Any], two_prefectures: Plan, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    pages = {
        reverse("kpis:organization_detail", args=["pref-13"]) + "?plan=90": _org_url("pref-13"),
        reverse("kpis:plan_dashboard", args=[90]): reverse("exchange:export_dashboard", args=[90, "xlsx"]),
        reverse("pdca:evaluation_list"): reverse("exchange:export_evaluations", args=["xlsx"]),
        reverse("cases:case_list"): reverse("exchange:export_cases", args=["xlsx"]),
    }
    for page, download in pages.items():
        html = client.get(page).content.decode()
        assert f'href="{download}' in html, page
        assert "CSV（Shift_JIS）で出力" in html and "CSV（UTF-8）で出力" in html
