"""Reading .xlsx and .csv uploads as offices write them: encodings, delimiters, dates, formulas, limits, memory."""

from __future__ import annotations

import datetime
import os
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chizai.exchange.readers import FormulaCell, open_table
from chizai.exchange.report import ImportFileError
from chizai.exchange.tests import hostile

ROWS = [
    ["都道府県", "KPI名", "年度", "実績"],
    ["東京都", "知財総合支援窓口の相談件数", "令和5年度", "1,234件"],
    ["大阪", "セミナー参加者数", "R5", "１２３"],
]


def read_all(path: Path, file_name: str | None = None) -> list[tuple[str, list[tuple[int, list[Any]]]]]:
    with open_table(path, file_name or path.name) as sheets:
        return [(sheet.name, list(sheet.rows)) for sheet in sheets]


def only_rows(path: Path, file_name: str | None = None) -> list[list[Any]]:
    sheets = read_all(path, file_name)
    assert len(sheets) == 1
    return [cells for _, cells in sheets[0][1]]


# --- xlsx ---------------------------------------------------------------------------------------------


def test_it_reads_an_xlsx_sheet_by_sheet_with_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    register = workbook.active
    assert register is not None
    register.title = "KPI一覧"
    register.append(["地域知財活性化行動計画 KPI一覧"])  # a title row above the header
    register.append([])
    register.append(["都道府県", "KPI名"])
    register.append(["東京都", "相談件数"])
    actuals = workbook.create_sheet("実績")
    actuals.append(["都道府県", "実績"])
    actuals.append(["東京都", 135])
    workbook.save(tmp_path / "kpi.xlsx")

    sheets = read_all(tmp_path / "kpi.xlsx")

    assert [name for name, _ in sheets] == ["KPI一覧", "実績"]
    assert sheets[0][1] == [
        (1, ["地域知財活性化行動計画 KPI一覧"]),
        (2, []),
        (3, ["都道府県", "KPI名"]),
        (4, ["東京都", "相談件数"]),
    ]
    assert sheets[1][1] == [(1, ["都道府県", "実績"]), (2, ["東京都", 135])]


def test_it_reads_xlsx_dates_as_datetimes_and_numbers_as_numbers(tmp_path: Path) -> None:
    rows = only_rows(
        hostile.simple_xlsx(tmp_path / "kpi.xlsx", [["基準日", "値", "割合"], [datetime.date(2023, 4, 1), 12, 0.5]])
    )
    assert rows[1] == [datetime.datetime(2023, 4, 1), 12, 0.5]


def test_it_yields_an_xlsx_formula_as_its_text_never_its_result(tmp_path: Path) -> None:
    path = hostile.simple_xlsx(tmp_path / "kpi.xlsx", [["実績", "合計"], [10, "=A2*2"], ["=SUM(A2:A2)", None]])
    rows = only_rows(path)
    assert isinstance(rows[1][1], FormulaCell)
    assert rows[1][1] == "=A2*2"
    assert isinstance(rows[2][0], FormulaCell)
    assert rows[2][0] == "=SUM(A2:A2)"


def test_it_skips_hidden_sheets(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    visible = workbook.active
    assert visible is not None
    visible.title = "実績"
    visible.append(["都道府県"])
    for title, state in (("作業用", "hidden"), ("マスタ", "veryHidden")):
        sheet = workbook.create_sheet(title)
        sheet.sheet_state = state
        sheet.append(["隠れた値"])
    workbook.save(tmp_path / "kpi.xlsx")
    assert [name for name, _ in read_all(tmp_path / "kpi.xlsx")] == ["実績"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_it_reads_back_an_xlsx_cell_our_export_neutralised_as_plain_text(tmp_path: Path, prefix: str) -> None:
    path = hostile.simple_xlsx(tmp_path / "kpi.xlsx", [["KPI名"], [f"'{prefix}知財セミナー"]])
    cell = only_rows(path)[1][0]
    assert cell == f"{prefix}知財セミナー"
    assert not isinstance(cell, FormulaCell)


def test_it_keeps_an_apostrophe_that_neutralises_nothing(tmp_path: Path) -> None:
    assert only_rows(hostile.simple_xlsx(tmp_path / "kpi.xlsx", [["'23年度"]]))[0] == ["'23年度"]


def test_it_does_not_yield_trailing_empty_rows_of_a_formatted_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["都道府県"])
    sheet.append(["東京都"])
    sheet["A500"].number_format = "0.0"  # formatting gives the sheet empty rows down to 500
    sheet["B500"] = ""
    workbook.save(tmp_path / "kpi.xlsx")
    assert [number for number, _ in read_all(tmp_path / "kpi.xlsx")[0][1]] == [1, 2]


def test_it_reads_an_xlsx_renamed_csv_by_its_content(tmp_path: Path) -> None:
    path = hostile.simple_xlsx(tmp_path / "実績.csv", ROWS)
    assert only_rows(path) == ROWS


def open_descriptors_of(path: Path) -> int:
    descriptors = Path("/proc/self/fd")
    if not descriptors.exists():
        pytest.skip("needs /proc to see open files")
    return sum(1 for fd in descriptors.iterdir() if os.path.realpath(fd) == str(path.resolve()))


@pytest.mark.parametrize("file_name", ["kpi.xlsx", "kpi.csv"])
def test_it_closes_the_file_when_the_reading_stops_early(tmp_path: Path, file_name: str) -> None:
    path = tmp_path / file_name
    if file_name.endswith(".xlsx"):
        hostile.simple_xlsx(path, ROWS)
    else:
        hostile.big_csv(path, 10)
    with open_table(path, file_name) as sheets:
        next(next(sheets).rows)
        assert open_descriptors_of(path) >= 1
    assert open_descriptors_of(path) == 0


# --- csv encodings and delimiters ---------------------------------------------------------------------


def write_text(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",", bom: bytes = b"") -> Path:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path.write_bytes(bom + text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("cp932", b""), ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf")],
    ids=["CP932 (Excel on Japanese Windows)", "UTF-8", "UTF-8 with BOM"],
)
def test_it_detects_the_encoding_of_a_csv(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = write_text(
        tmp_path / "実績.csv", [[cell.replace(",", "") for cell in row] for row in ROWS], encoding, bom=bom
    )
    rows = only_rows(path)
    assert rows[0] == ["都道府県", "KPI名", "年度", "実績"]  # no BOM left in the first heading
    assert rows[2] == ["大阪", "セミナー参加者数", "R5", "１２３"]


def test_it_reads_excel_unicode_text_utf16_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "実績.txt"
    path.write_bytes(("\t".join(ROWS[0]) + "\r\n" + "\t".join(ROWS[1]) + "\r\n").encode("utf-16"))
    assert only_rows(path) == ROWS[:2]


def test_it_reads_a_tab_separated_text_file(tmp_path: Path) -> None:
    path = write_text(tmp_path / "実績.txt", ROWS, "cp932", delimiter="\t")
    assert only_rows(path) == ROWS


def test_it_keeps_commas_in_quoted_csv_cells(tmp_path: Path) -> None:
    path = tmp_path / "実績.csv"
    path.write_bytes('都道府県,実績,評価コメント\r\n東京都,"1,234件","改行を含む\r\nコメント"\r\n'.encode("cp932"))
    assert only_rows(path)[1] == ["東京都", "1,234件", "改行を含む\r\nコメント"]


def test_it_detects_cp932_when_the_first_japanese_text_is_far_down(tmp_path: Path) -> None:
    path = tmp_path / "実績.csv"
    with path.open("wb") as out:
        out.write(b"code,value\r\n" + b"pref-13,1\r\n" * 20_000)
        out.write("pref-13,東京都\r\n".encode("cp932"))
    assert only_rows(path)[-1] == ["pref-13", "東京都"]


def test_it_reads_empty_csv_cells_as_none_and_names_the_sheet_after_the_file(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "令和5年度実績.csv", [["都道府県", "実績", "評価コメント"], ["東京都", "", ""]], "cp932"
    )
    assert read_all(path) == [
        ("令和5年度実績", [(1, ["都道府県", "実績", "評価コメント"]), (2, ["東京都", None, None])])
    ]


def test_it_names_the_line_of_an_undecodable_byte_far_down(tmp_path: Path) -> None:
    path = hostile.cp932_csv_with_bad_byte(tmp_path / "実績.csv", bad_line=4321)
    with pytest.raises(ImportFileError, match="^4,321行目付近の文字が読み取れません（文字コード: Shift_JIS（CP932））"):
        read_all(path)


def test_it_names_the_line_of_an_undecodable_byte_far_down_a_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "実績.csv"
    with path.open("wb") as out:
        out.write("都道府県,実績\n".encode())
        out.write("東京都,1\n".encode() * 30_000)  # far beyond the sample the encoding is decided on
        out.write(b"\xe6\x9d\xb1\x85\x40,2\n")
    with pytest.raises(ImportFileError, match="^30,002行目付近の文字が読み取れません（文字コード: UTF-8）"):
        read_all(path)


# --- formulas in csv ----------------------------------------------------------------------------------


def test_it_yields_a_csv_cell_beginning_with_equals_as_a_formula(tmp_path: Path) -> None:
    path = write_text(tmp_path / "実績.csv", [["実績"], ["=1+1"], ['=HYPERLINK("http://example.com")']], "utf-8")
    cells = [row[0] for row in only_rows(path)[1:]]
    assert all(isinstance(cell, FormulaCell) for cell in cells)
    assert cells == ["=1+1", '=HYPERLINK("http://example.com")']


@pytest.mark.parametrize("text", ["'=1+1", "'+81-3-1234-5678", "'-5", "'@mention"])
def test_it_reads_back_a_csv_cell_our_export_neutralised_as_plain_text(tmp_path: Path, text: str) -> None:
    cell = only_rows(write_text(tmp_path / "実績.csv", [["値"], [text]], "cp932"))[1][0]
    assert cell == text[1:]
    assert not isinstance(cell, FormulaCell)


def test_it_reads_a_negative_number_as_text_not_as_a_formula(tmp_path: Path) -> None:
    cell = only_rows(write_text(tmp_path / "実績.csv", [["値"], ["-5"]], "cp932"))[1][0]
    assert cell == "-5"
    assert not isinstance(cell, FormulaCell)


# --- limits and memory --------------------------------------------------------------------------------


def test_it_refuses_a_csv_with_more_rows_than_the_limit(tmp_path: Path, settings: Any) -> None:
    settings.CHIZAI_IMPORT_MAX_ROWS = 100
    path = hostile.big_csv(tmp_path / "実績.csv", 101)
    with pytest.raises(ImportFileError, match=r"^行数が多すぎます（上限 100行）"):
        read_all(path)


def test_it_reads_a_csv_exactly_at_the_row_limit(tmp_path: Path, settings: Any) -> None:
    settings.CHIZAI_IMPORT_MAX_ROWS = 100
    assert len(only_rows(hostile.big_csv(tmp_path / "実績.csv", 100))) == 100


def test_it_refuses_an_xlsx_with_more_rows_than_the_limit_across_its_sheets(tmp_path: Path, settings: Any) -> None:
    settings.CHIZAI_IMPORT_MAX_ROWS = 10
    workbook = openpyxl.Workbook()
    for title in ("KPI一覧", "実績"):
        sheet = workbook.create_sheet(title)
        for number in range(6):
            sheet.append([f"行{number}"])
    workbook.remove(workbook.worksheets[0])
    workbook.save(tmp_path / "kpi.xlsx")
    with pytest.raises(ImportFileError, match="行数が多すぎます"):
        read_all(tmp_path / "kpi.xlsx")


def test_it_streams_a_200k_row_csv_in_bounded_memory(tmp_path: Path) -> None:
    path = hostile.big_csv(tmp_path / "実績.csv", 200_000)
    assert path.stat().st_size > 15 * 1024 * 1024
    tracemalloc.start()
    try:
        with open_table(path, path.name) as sheets:
            count = sum(1 for sheet in sheets for _ in sheet.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 20 * 1024 * 1024


def test_a_percent_formatted_xlsx_number_reads_as_the_percentage_shown(tmp_path):
    """Excel and LibreOffice store 「15%」 as 0.15 with a % format: the reader gives 15, as the person sees it."""
    path = tmp_path / "percent.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["割合", "件数"])
    sheet.append([0.155, 0.155])
    sheet["A2"].number_format = "0.0%"
    workbook.save(path)

    with open_table(path, "percent.xlsx") as sheets:
        rows = list(next(iter(sheets)).rows)

    assert rows[1][1] == [Decimal("15.5"), 0.155]
