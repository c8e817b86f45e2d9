"""The downloadable import templates: pre-filled with the user's prefecture, its KPIs and the current half
years; a 形式 drop-down; a 記入方法 sheet; and a filled-in template imports without a problem."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from chizai.exchange import views_export
from chizai.exchange.columns import ACTUALS_COLUMNS, REGISTER_COLUMNS, SHAPE_LABELS
from chizai.exchange.importing import run_import
from chizai.kpis.models import Kpi, Plan, Shape
from chizai.kpis.tests import conftest as kpi_fixtures

TODAY = datetime.date(2024, 11, 24)  # 2024年度下期

# The KPI factories of the KPI tests, taken by assignment (as the other apps' fixtures are).
make_plan = kpi_fixtures.make_plan
add_actuals = kpi_fixtures.add_actuals
make_kpi = kpi_fixtures.make_kpi


@pytest.fixture
def tokyo_plan(make_kpi: Callable[..., Kpi], monkeypatch: pytest.MonkeyPatch) -> Plan:
    monkeypatch.setattr(views_export, "_today", lambda: TODAY)
    make_kpi(name="知財セミナーの開催件数", targets={2023: 10})
    make_kpi(name="知財の活用による地域の活性化", shape=Shape.QUALITATIVE)
    make_kpi(name="大阪府の知財相談件数", owner="pref-27")
    return Plan.objects.get(number=90)


def _download(client: Any, kind: str, fmt: str = "xlsx") -> Any:
    response = client.get(reverse("exchange:import_template", args=[kind, fmt]) + "?plan=90")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_it_prefills_the_register_with_tokyos_kpis_and_empty_rows(
    client: Any, login: Callable[..., Any], tokyo_plan: Plan, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    workbook = openpyxl.load_workbook(io.BytesIO(_download(client, "register")))

    assert workbook.sheetnames == ["KPI一覧", "記入方法"]
    rows = _rows(workbook["KPI一覧"])
    assert rows[0] == [c.header for c in REGISTER_COLUMNS] + ["2023年度目標", "2024年度目標", "2025年度目標"]
    assert [row[2] for row in rows[1:3]] == ["知財セミナーの開催件数", "知財の活用による地域の活性化"]
    assert rows[1][10] == 10
    new_rows = rows[3:]
    assert len(new_rows) == 5 and all(row[0] == "東京都" and not any(row[1:]) for row in new_rows)
    assert "大阪府の知財相談件数" not in str(rows)


@pytest.mark.django_db
def test_it_offers_the_shapes_in_a_drop_down(
    client: Any, login: Callable[..., Any], tokyo_plan: Plan, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    sheet = openpyxl.load_workbook(io.BytesIO(_download(client, "register")))["KPI一覧"]

    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1.strip('"').split(",") == list(SHAPE_LABELS.values())
    assert str(validation.sqref).startswith("E2:E")  # 形式 is the fifth column


@pytest.mark.django_db
def test_it_explains_every_column(client: Any, login: Callable[..., Any], tokyo_plan: Plan, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    for kind, columns in (("register", REGISTER_COLUMNS), ("actuals", ACTUALS_COLUMNS)):
        help_rows = _rows(openpyxl.load_workbook(io.BytesIO(_download(client, kind)))["記入方法"])
        explained = {row[0]: row[2] for row in help_rows[1:]}
        assert all(explained[c.header] == c.help for c in columns)
        assert all((explained[c.header] and c.required) or not c.required for c in columns)


@pytest.mark.django_db
def test_it_prefills_actuals_with_each_kpi_and_the_current_half_years(
    client: Any, login: Callable[..., Any], tokyo_plan: Plan, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    rows = _rows(openpyxl.load_workbook(io.BytesIO(_download(client, "actuals")))["実績"])

    assert rows[0] == [c.header for c in ACTUALS_COLUMNS]
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        ("東京都", "知財セミナーの開催件数", 2024, "上期", None),
        ("東京都", "知財セミナーの開催件数", 2024, "下期", None),
        ("東京都", "知財の活用による地域の活性化", 2024, "上期", None),
        ("東京都", "知財の活用による地域の活性化", 2024, "下期", None),
    ]


@pytest.mark.django_db
def test_it_gives_jpo_templates_without_a_prefecture(
    client: Any, login: Callable[..., Any], tokyo_plan: Plan, jpo_admin: Any
) -> None:
    login(client, jpo_admin)
    register = _rows(openpyxl.load_workbook(io.BytesIO(_download(client, "register")))["KPI一覧"])
    actuals = _rows(openpyxl.load_workbook(io.BytesIO(_download(client, "actuals")))["実績"])

    assert register[0][0] == "都道府県"
    assert "東京都" not in str(register) and "大阪府" not in str(register)  # no prefecture, no KPI rows
    assert [row[0] for row in actuals[1:]] == [None]


@pytest.mark.django_db
def test_it_gives_the_first_sheet_as_cp932_csv(
    client: Any, login: Callable[..., Any], tokyo_plan: Plan, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    rows = list(csv.reader(io.StringIO(_download(client, "actuals", "csv").decode("cp932"), newline="")))

    assert rows[0] == [c.header for c in ACTUALS_COLUMNS]
    assert {row[0] for row in rows[1:]} == {"東京都"} and len(rows) == 5


@pytest.mark.django_db
def test_it_imports_a_filled_in_actuals_template(
    client: Any, login: Callable[..., Any], tokyo_plan: Plan, tokyo_editor: Any, tmp_path: Path
) -> None:
    login(client, tokyo_editor)
    workbook = openpyxl.load_workbook(io.BytesIO(_download(client, "actuals")))
    sheet = workbook["実績"]
    for row, (figure, comment) in enumerate([(4, None), (6, None), (None, "順調"), (None, "課題あり")], start=2):
        sheet.cell(row, 6).value = figure
        sheet.cell(row, 9).value = comment
    path = tmp_path / "実績.xlsx"
    workbook.save(path)

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = run_import(path=path, file_name=path.name, sha256=digest, plan=tokyo_plan, user=tokyo_editor, apply=False)

    assert report.problems == []
    assert report.counts["実績 新規"] == 2 and report.counts["評価 新規"] == 2
