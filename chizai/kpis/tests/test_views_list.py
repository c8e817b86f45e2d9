"""The KPI list (KPI一覧): what each role sees, the filters (status from the stored figures), paging, queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.kpis import views_list
from chizai.kpis.achievement import Status
from chizai.kpis.models import Kpi, KpiKind
from chizai.kpis.tests import fixtures_views as fx
from chizai.testing import NAVIGATION_QUERIES

views_data = fx.views_data
more_regional_kpis = fx.more_regional_kpis

pytestmark = pytest.mark.django_db

# Session, user, memberships, the plans, the page's KPIs (with their owners) and their count, the year's stored
# figures of the page's KPIs, the owners and blocks of the filter form, the demo flag. Not one more per KPI.
LIST_QUERIES = 10 + NAVIGATION_QUERIES


@pytest.fixture
def views_today(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(views_list, "_today", lambda: fx.TODAY)
    return fx.TODAY


@pytest.fixture(autouse=True)
def _pinned_today(views_today: Any) -> None:
    """The list's "today" as the other pages' (after the 3rd plan's years have ended)."""


def listed(client: Any, **query: Any) -> list[tuple[Kpi, Any]]:
    response = client.get(reverse("kpis:kpi_list"), {"plan": 3, **query})
    assert response.status_code == 200
    return list(response.context["rows"])


def names(rows: list[tuple[Kpi, Any]]) -> list[str]:
    return [kpi.name for kpi, _result in rows]


def test_it_lists_what_a_prefecture_sees_and_not_another_prefectures_kpis(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    shown = names(listed(client, per_page=200))

    assert fx.TOKYO_KPI_NAME in shown and fx.OSAKA_KPI_NAME not in shown
    assert len(shown) == Kpi.objects.for_plan(views_data.plan3).visible_to(tokyo_editor).count()
    assert any(kpi.kind != KpiKind.REGIONAL for kpi, _ in listed(client, per_page=200)), (
        "the central KPIs are listed too"
    )


def test_it_chooses_by_the_years_status_as_the_kpi_page_shows_it(client, login, views_data, jpo_admin):
    login(client, jpo_admin)
    regional = {"kind": KpiKind.REGIONAL}

    assert names(listed(client, year=2023, status="achieved", **regional)) == [fx.TOKYO_KPI_NAME, fx.OSAKA_KPI_NAME]
    assert names(listed(client, year=2024, status="not_achieved", **regional)) == [
        fx.TOKYO_KPI_NAME,
        fx.OSAKA_KPI_NAME,
    ]
    assert names(listed(client, year=2024, status="achieved", **regional)) == []
    # FY2025: 東京都 entered nothing, 大阪府 only its 上期 — neither is 達成, 未達 or 進行中 once the year is over.
    assert names(listed(client, year=2025, **regional)) == [fx.TOKYO_KPI_NAME, fx.OSAKA_KPI_NAME]
    for status in ("achieved", "not_achieved", "in_progress"):
        assert names(listed(client, year=2025, status=status, **regional)) == []
    for status in ("achieved", "not_achieved"):
        for kpi, result in listed(client, year=2024, status=status, per_page=200):
            assert result.status == Status(status), kpi.name


def test_it_filters_by_owner_block_kind_and_name(client, login, views_data, jpo_admin):
    login(client, jpo_admin)

    assert names(listed(client, organization="pref-13")) == [fx.TOKYO_KPI_NAME]
    assert names(listed(client, block="bureau-kinki")) == [fx.OSAKA_KPI_NAME]
    assert names(listed(client, q="大阪府 知財")) == [fx.OSAKA_KPI_NAME]
    assert names(listed(client, kind=KpiKind.REGIONAL, q="知財経営")) == [fx.TOKYO_KPI_NAME, fx.OSAKA_KPI_NAME]
    everything = names(listed(client, per_page=200))
    assert names(listed(client, status="nonsense", kind="nonsense", per_page=200)) == everything


def test_it_shows_the_years_figures_of_a_kpi(client, login, views_data, jpo_admin):
    login(client, jpo_admin)

    page = client.get(reverse("kpis:kpi_list"), {"plan": 3, "year": 2023, "organization": "pref-27"})

    text = fx.text_of(page)
    assert "20社" in text and "25社" in text and "125%" in text and "達成" in text


def test_it_pages_on_the_server_with_the_same_queries_for_2_or_62_kpis(
    client, login, views_data, more_regional_kpis, jpo_admin, django_assert_max_num_queries
):
    login(client, jpo_admin)
    url = reverse("kpis:kpi_list") + "?plan=3&kind=regional"
    client.get(url)

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more_regional_kpis(60)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(url)
    with CaptureQueriesContext(connection) as many:
        second = client.get(url + "&page=2")

    assert len(few) == len(many) == LIST_QUERIES
    assert len(response.context["rows"]) == 50 and "62件中 1–50件" in response.content.decode()
    assert len(second.context["rows"]) == 12
    achieved = client.get(url + "&status=achieved&year=2023&page=2")
    assert "62件中 51–62件" in achieved.content.decode()


def test_it_is_in_the_menu(client, login, views_data, tokyo_viewer):
    login(client, tokyo_viewer)

    page = client.get(reverse("kpis:dashboard")).content.decode()

    assert f'href="{reverse("kpis:kpi_list")}"' in page


def test_the_year_select_shows_the_year_listed_when_none_is_asked(client, login, views_data, jpo_admin):
    login(client, jpo_admin)

    response = client.get(reverse("kpis:kpi_list"), {"plan": 3})

    year = response.context["year"]
    assert f'<option value="{year}" selected>' in response.content.decode()
    assert not response.context["filtered"]
