"""The entry grid: every cell validated with the entry form's messages, saved in one transaction, conflicts kept
on their cell with the typed value, locked and computed cells read-only with their reason, editors only."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from chizai.kpis import actions, locks, views_grid
from chizai.kpis.actions import COMPUTED_MESSAGE
from chizai.kpis.models import Actual, Kpi, Shape, Target
from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import text_of, user_audits

views_today = fx.views_today
views_data = fx.views_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def grid_today(monkeypatch):
    monkeypatch.setattr(views_grid, "_today", lambda: fx.TODAY)


def grid_url(code: str = "pref-13", year: int = 2025) -> str:
    return reverse("kpis:organization_grid", args=[code]) + f"?plan=3&year={year}"


def cell(kpi: Kpi, half: str) -> str:
    return f"c-{kpi.pk}-{half}"


def fields(page: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r' name="([^"]+)"', tag)
        value = re.search(r' value="([^"]*)"', tag)
        if name and value:
            found[name.group(1)] = value.group(1)
    return found


def tokyo_actual(kpi: Kpi, year: int, half: str) -> Actual | None:
    return Actual.objects.filter(kpi=kpi, start_year=year, end_year=year, half=half).first()


def second_tokyo_kpi(views_data) -> Kpi:
    return fx.add_regional_kpi(
        views_data.plan3,
        views_data.tokyo.owner,
        code="regional-13-events",
        name="東京都 知財セミナーの開催回数",
        targets={2025: 10},
        actuals={},
        sort_order=1002,
    )


def test_it_saves_every_changed_cell_together_with_the_forms_reading_of_japanese_numbers(
    client, login, views_data, tokyo_editor
):
    other = second_tokyo_kpi(views_data)
    login(client, tokyo_editor)
    data = fields(text_of(client.get(grid_url())))
    data[cell(views_data.tokyo, "H1")] = "１，２３４"
    data[cell(views_data.tokyo, "H2")] = "7社"
    data[cell(other, "FY")] = "12"

    response = client.post(grid_url(), data)

    assert response.status_code == 302
    assert tokyo_actual(views_data.tokyo, 2025, "H1").value == Decimal(1234)
    assert tokyo_actual(views_data.tokyo, 2025, "H2").value == Decimal(7)
    assert tokyo_actual(other, 2025, "FY").value == Decimal(12)
    page = text_of(client.get(response["Location"]))
    assert "2025年度の実績を保存しました（新規 3件・更新 0件・削除 0件）。" in page
    assert user_audits().filter(action="kpi.actual.created", actor=tokyo_editor).count() == 3


def test_it_refuses_the_whole_grid_when_one_cell_is_wrong_and_keeps_what_was_typed(
    client, login, views_data, tokyo_editor
):
    login(client, tokyo_editor)
    data = fields(text_of(client.get(grid_url())))
    data[cell(views_data.tokyo, "H1")] = "30"
    data[cell(views_data.tokyo, "H2")] = "十二"  # not a number

    response = client.post(grid_url(), data)

    assert response.status_code == 422
    assert tokyo_actual(views_data.tokyo, 2025, "H1") is None  # the good cell is not saved either
    page = text_of(response)
    assert "数値を入力してください（例: 1,234）。" in page  # the entry form's own message
    assert "何も保存しません" in page or "保存していません" in page
    shown = fields(page)
    assert shown[cell(views_data.tokyo, "H1")] == "30" and shown[cell(views_data.tokyo, "H2")] == "十二"
    assert not user_audits().exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-3", "0以上の数値を入力してください。"), ("1.234", "小数点以下は2桁までで入力してください。")],
)
def test_it_shows_the_entry_forms_message_on_the_cell(client, login, views_data, tokyo_editor, typed, message):
    login(client, tokyo_editor)
    data = fields(text_of(client.get(grid_url())))
    data[cell(views_data.tokyo, "FY")] = typed

    page = text_of(client.post(grid_url(), data))

    note = re.search(rf'id="{cell(views_data.tokyo, "FY")}-note">([^<]+)<', page)
    assert note and note.group(1) == message


def test_it_refuses_a_percentage_over_100_as_the_form_does(client, login, views_data, tokyo_editor):
    ratio = Kpi.objects.create(
        plan=views_data.plan3, code="r13-ratio", kind="regional", name="東京都 満足度", owner=views_data.tokyo.owner,
        unit="%", shape=Shape.RATIO, sort_order=1003,
    )  # fmt: skip
    Target.objects.create(kpi=ratio, start_year=2025, end_year=2025, value=Decimal(60))
    login(client, tokyo_editor)
    data = fields(text_of(client.get(grid_url())))
    data[cell(ratio, "FY")] = "120%"

    page = text_of(client.post(grid_url(), data))

    assert "割合は100%以下で入力してください。" in page
    assert tokyo_actual(ratio, 2025, "FY") is None


def test_it_marks_a_conflicting_cell_keeps_the_typed_value_and_shows_the_current_one(
    client, login, views_data, tokyo_editor
):
    login(client, tokyo_editor)
    data = fields(text_of(client.get(grid_url(year=2024))))  # 2024 通期 is 9社, version 1
    # Someone else changes the same figure after the page was loaded.
    stored = tokyo_actual(views_data.tokyo, 2024, "FY")
    actions.save_actual(
        kpi=views_data.tokyo, start_year=2024, end_year=2024, value=Decimal(11), expected_version=stored.version,
        actor=tokyo_editor,
    )  # fmt: skip
    data[cell(views_data.tokyo, "FY")] = "10"
    data[cell(views_data.tokyo, "H1")] = "4"

    response = client.post(grid_url(year=2024), data)

    assert response.status_code == 422
    assert tokyo_actual(views_data.tokyo, 2024, "FY").value == Decimal(11)  # the other user's value stands
    assert tokyo_actual(views_data.tokyo, 2024, "H1") is None  # nothing else written either
    page = text_of(response)
    shown = fields(page)
    assert shown[cell(views_data.tokyo, "FY")] == "10"  # the typed value stays in the cell
    assert shown[cell(views_data.tokyo, "H1")] == "4"
    assert "他の利用者が更新しました。現在の値：11社" in page
    assert "他の利用者が1件のセルの値を更新しました" in page

    # Saving again (the typed value kept) writes it over the current one, now knowingly.
    again = client.post(grid_url(year=2024), shown)
    assert again.status_code == 302
    assert tokyo_actual(views_data.tokyo, 2024, "FY").value == Decimal(10)
    assert tokyo_actual(views_data.tokyo, 2024, "H1").value == Decimal(4)


def test_it_leaves_cells_nobody_touched_as_someone_else_stored_them(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    data = fields(text_of(client.get(grid_url(year=2024))))
    stored = tokyo_actual(views_data.tokyo, 2024, "FY")
    actions.save_actual(
        kpi=views_data.tokyo, start_year=2024, end_year=2024, value=Decimal(11), expected_version=stored.version,
        actor=tokyo_editor,
    )  # fmt: skip
    data[cell(views_data.tokyo, "H2")] = "5"  # another cell only

    assert client.post(grid_url(year=2024), data).status_code == 302
    assert tokyo_actual(views_data.tokyo, 2024, "FY").value == Decimal(11)
    assert tokyo_actual(views_data.tokyo, 2024, "H2").value == Decimal(5)


def test_it_shows_locked_and_computed_cells_read_only_with_the_reason(
    client, login, views_data, tokyo_editor, monkeypatch
):
    reason = "この値は特許庁が受理した自己評価（2025年度上期）で確定しています。"
    monkeypatch.setattr(locks, "_checks", [])
    locks.register_lock(lambda kpi, start, end, half: reason if half == "H1" else None)
    counted = Kpi.objects.create(
        plan=views_data.plan3, code="r13-counted", kind="regional", name="東京都 紹介件数",
        owner=views_data.tokyo.owner, unit="件", counting_rule="referrals", sort_order=1004,
    )  # fmt: skip
    login(client, tokyo_editor)

    page = text_of(client.get(grid_url()))

    locked = cell(views_data.tokyo, "H1")
    assert re.search(rf'id="{locked}" value="[^"]*" readonly', page)
    assert f'name="{locked}"' not in page  # never posted
    assert f'id="{locked}-why">{reason}<' in page and f'aria-describedby="{locked}-why"' in page
    assert f'id="{cell(counted, "FY")}-why">{COMPUTED_MESSAGE}<' in page
    assert f'name="{cell(views_data.tokyo, "H2")}"' in page  # the other cells stay open

    # A forged post to the locked cell writes nothing.
    data = fields(page)
    data[locked] = "99"
    client.post(grid_url(), data)
    assert tokyo_actual(views_data.tokyo, 2025, "H1") is None


def test_it_shows_a_viewer_the_grid_read_only_and_refuses_their_post(client, login, views_data, tokyo_viewer):
    login(client, tokyo_viewer)
    page = text_of(client.get(grid_url()))
    assert "閲覧のみです。" in page
    assert f'name="{cell(views_data.tokyo, "FY")}"' not in page
    assert "保存</button>" not in page

    response = client.post(grid_url(), {cell(views_data.tokyo, "FY"): "5", f"v-{cell(views_data.tokyo, 'FY')}": "0"})
    assert response.status_code == 403
    assert tokyo_actual(views_data.tokyo, 2025, "FY") is None


def test_it_hides_another_prefectures_grid(client, login, views_data, osaka_editor):
    login(client, osaka_editor)
    assert client.get(grid_url()).status_code == 404
    assert client.post(grid_url(), {}).status_code == 404


def test_it_is_linked_from_the_organisation_page_and_the_entry_form(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    target = reverse("kpis:organization_grid", args=["pref-13"])
    assert target in text_of(client.get(reverse("kpis:organization_detail", args=["pref-13"])))
    assert target in text_of(client.get(reverse("kpis:actual_edit", args=[views_data.tokyo.pk])))
    start = client.get(reverse("kpis:grid_start"))
    assert start.status_code == 302 and start["Location"].startswith(target)


def test_it_costs_the_same_queries_with_one_or_many_kpis(client, login, views_data, tokyo_editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, tokyo_editor)
    client.get(grid_url())
    with CaptureQueriesContext(connection) as one:
        client.get(grid_url())
    for index in range(5):
        fx.add_regional_kpi(
            views_data.plan3, views_data.tokyo.owner, code=f"r13-more-{index}", name=f"東京都 指標{index}",
            targets={2025: 5}, actuals={"2025H1": 2}, sort_order=1100 + index,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as six:
        client.get(grid_url())
    assert len(one) == len(six)
