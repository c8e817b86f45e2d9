"""The export writer (neutralisation, encodings, numbers, file names) and the organisation round trip."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest

from chizai.exchange.exports import CSV_CHUNK_BYTES, Table, csv_lines, csv_response, write_xlsx, xlsx_response
from chizai.exchange.importing import run_import
from chizai.exchange.tables import organization_tables
from chizai.kpis.models import Actual, Evaluation, Kpi, Plan, Shape, Target
from chizai.kpis.tests import conftest as kpi_fixtures

HOSTILE = ["=1+1", "+81-3-1234", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]

# The KPI factories of the KPI tests, taken by assignment (as the other apps' fixtures are).
make_plan = kpi_fixtures.make_plan
add_actuals = kpi_fixtures.add_actuals
make_kpi = kpi_fixtures.make_kpi


def _xlsx(tables: list[Table]) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def _csv(table: Table, encoding: str = "cp932") -> bytes:
    return b"".join(csv_lines(table, encoding))


def test_it_neutralises_formula_text_in_csv() -> None:
    data = _csv(Table("t", ["値"], [[text] for text in HOSTILE]))
    rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + text for text in HOSTILE]


def test_it_never_writes_a_formula_into_xlsx() -> None:
    sheet = _xlsx([Table("t", ["=見出し"], [[text] for text in HOSTILE])]).active
    cells = [row[0] for row in sheet.iter_rows()]
    assert all(cell.data_type != "f" for cell in cells)
    # (a CR comes back as CR or, with XML's line-end normalisation, as LF; what matters is the apostrophe in front)
    read = [cell.value.replace("\r", "\n") for cell in cells]
    assert read == ["'=見出し"] + ["'" + text.replace("\r", "\n") for text in HOSTILE]


def test_it_leaves_ordinary_text_and_negative_numbers_alone() -> None:
    table = Table("t", ["文", "数"], [["知財 = 経営資源", Decimal("-5")], ["東京都", -3]])
    rows = list(csv.reader(io.StringIO(_csv(table).decode("cp932"), newline="")))
    assert rows[1:] == [["知財 = 経営資源", "-5"], ["東京都", "-3"]]
    sheet = _xlsx([table]).active
    assert [(c.value, c.data_type) for c in sheet[2]] == [("知財 = 経営資源", "s"), (-5, "n")]


def test_it_writes_numbers_as_numbers_keeping_their_decimals() -> None:
    table = Table("t", ["件数", "割合", "整数"], [[Decimal("1234.00"), Decimal("78.90"), 60]])
    sheet = _xlsx([table]).active
    count, rate, whole = sheet[2]
    assert (count.value, count.data_type, count.number_format) == (1234, "n", "#,##0")
    assert (rate.value, rate.data_type, rate.number_format) == (78.9, "n", "#,##0.0")
    assert (whole.value, whole.number_format) == (60, "#,##0")
    assert _csv(table).splitlines()[1] == b"1234,78.9,60"


def test_it_writes_dates_as_dates() -> None:
    table = Table("t", ["受付日"], [[datetime.date(2024, 4, 1)]])
    cell = _xlsx([table]).active["A2"]
    assert cell.is_date and cell.value == datetime.datetime(2024, 4, 1)
    assert _csv(table).splitlines()[1] == b"2024/04/01"


def test_it_makes_the_header_bold_and_frozen_and_sizes_columns() -> None:
    sheet = _xlsx([Table("一覧", ["KPI名", "単位"], [["知財総合支援窓口の相談件数" * 2, "件"]])]).active
    assert sheet.title == "一覧"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet["B1"].font.b
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["B"].width


def test_it_writes_one_sheet_per_table() -> None:
    workbook = _xlsx([Table("KPI一覧", ["a"], [[1]]), Table("実績", ["b"], [[2]])])
    assert workbook.sheetnames == ["KPI一覧", "実績"]


def test_it_replaces_characters_cp932_cannot_hold_with_geta() -> None:
    data = _csv(Table("t", ["名前"], [["𠮷野家😀"], ["4月〜9月"]]))
    text = data.decode("cp932")
    assert "〓野家〓" in text  # one 〓 per lost character, nothing dropped
    assert "4月～9月" in text  # a WAVE DASH has a CP932 twin: kept readable


def test_it_ends_csv_lines_with_crlf() -> None:
    data = _csv(Table("t", ["a", "b"], [["1", "2"], ["3", "4"]]))
    assert data == "a,b\r\n1,2\r\n3,4\r\n".encode("cp932")


def test_it_writes_utf8_with_a_bom_on_request() -> None:
    data = _csv(Table("t", ["名前"], [["𠮷野家"]]), "utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == "名前\r\n𠮷野家\r\n"


def test_it_names_files_in_japanese_with_an_ascii_fallback() -> None:
    response = csv_response(Table("t", ["a"], []), "地域KPI_東京都_2026-11-24.csv")
    header = response["Content-Disposition"]
    assert header.startswith('attachment; filename="chizai_KPI_2026-11-24.csv"; ')
    assert unquote(header.split("filename*=utf-8''")[1]) == "地域KPI_東京都_2026-11-24.csv"
    assert response["Content-Type"] == "text/csv; charset=Shift_JIS"


def test_it_streams_xlsx_from_a_temporary_file() -> None:
    response = xlsx_response([Table("t", ["a"], ([n] for n in range(3)))], "出力.xlsx")
    body = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(body)).active.max_row == 4


# --- round trip: export 東京都's KPIs, import them back, nothing changes ------------------------------------


@pytest.fixture
def tokyo_kpis(make_kpi: Callable[..., Kpi], org: Callable[[str], Any]) -> Plan:
    make_kpi(name="知財セミナーの開催件数", targets={2023: 10, 2024: 12}, actuals={2023: 11, "2024H1": 5})
    make_kpi(
        name="知財を経営戦略に位置づけた企業の割合",
        unit="%",
        shape=Shape.RATIO,
        targets={2024: {"value": 60, "note": "以上"}},
        actuals={"2024H1": {"numerator": 6, "denominator": 10}},
    )
    cumulative = make_kpi(name="=累計の支援企業数", shape=Shape.CUMULATIVE, targets={"2023-2025": 30})
    Evaluation.objects.create(kpi=cumulative, start_year=2024, end_year=2024, half="H1", text="-順調に推移")
    make_kpi(
        name="特許出願件数",
        shape=Shape.BASELINE_TARGET,
        baseline_value=100,
        baseline_year=2022,
        targets={2025: 150},
        actuals={2023: Decimal("120.50")},
    )
    make_kpi(name="知財の活用による地域の活性化", shape=Shape.QUALITATIVE, description="目標（定性）: 新たな価値の創出")
    return Plan.objects.get(number=90)


def _state(plan: Plan) -> list[Any]:
    rows: list[Any] = []
    for model in (Kpi, Target, Actual, Evaluation):
        rows += [(model.__name__, obj.pk, obj.snapshot(), obj.version) for obj in _of(model, plan).order_by("pk")]
    rows += [(k.code, k.description, k.target_source, k.sort_order) for k in Kpi.objects.filter(plan=plan)]
    return rows


def _of(model: Any, plan: Plan) -> Any:
    return model.objects.filter(plan=plan) if model is Kpi else model.objects.filter(kpi__plan=plan)


def _import(path: Path, plan: Plan, user: Any) -> Any:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return run_import(path=path, file_name=path.name, sha256=digest, plan=plan, user=user, apply=True)


def _exported(plan: Plan, org: Callable[[str], Any]) -> list[Table]:
    return organization_tables(org("pref-13"), plan, datetime.date(2024, 11, 24))


@pytest.mark.django_db
def test_it_reimports_an_xlsx_export_unchanged(
    tokyo_kpis: Plan, tokyo_editor: Any, org: Callable[[str], Any], tmp_path: Path
) -> None:
    before = _state(tokyo_kpis)
    path = tmp_path / "地域KPI_東京都.xlsx"
    write_xlsx(_exported(tokyo_kpis, org), path)

    report = _import(path, tokyo_kpis, tokyo_editor)

    assert report.problems == [] and report.applied
    assert set(report.counts) == {"変更なし"}
    assert report.counts["変更なし"] >= 5 + 4  # every KPI and every actual / evaluation row
    assert _state(tokyo_kpis) == before


@pytest.mark.django_db
@pytest.mark.parametrize("sheet", ["register", "actuals"])
def test_it_reimports_a_cp932_csv_export_unchanged(
    tokyo_kpis: Plan, tokyo_editor: Any, org: Callable[[str], Any], tmp_path: Path, sheet: str
) -> None:
    before = _state(tokyo_kpis)
    table = next(t for t in _exported(tokyo_kpis, org) if t.key == sheet)
    path = tmp_path / f"{sheet}.csv"
    path.write_bytes(_csv(table, "cp932"))

    report = _import(path, tokyo_kpis, tokyo_editor)

    assert report.problems == [] and report.applied
    assert set(report.counts) == {"変更なし"}
    assert _state(tokyo_kpis) == before


def test_it_reads_csv_rows_only_as_the_client_receives_them() -> None:
    read: list[int] = []

    def rows() -> Any:
        for number in range(20_000):
            read.append(number)
            yield [number, f"=企業{number}"]

    response = csv_response(Table("t", ["番号", "名称"], rows()), "出力.csv")
    assert read == []  # nothing is read before the body is sent
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert 0 < len(read) < 20_000 and len(first) >= CSV_CHUNK_BYTES  # one chunk at a time, not per row
    body = first + b"".join(chunks)
    assert len(read) == 20_000
    assert body.decode("cp932").splitlines()[20_000] == "19999,'=企業19999"  # still neutralised


def test_it_writes_xlsx_rows_from_a_single_pass_over_them() -> None:
    passes: list[str] = []

    def rows() -> Any:
        passes.append("pass")
        yield from ([number] for number in range(1_000))

    response = xlsx_response([Table("t", ["番号"], rows())], "出力.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert passes == ["pass"] and workbook.active.max_row == 1_001
