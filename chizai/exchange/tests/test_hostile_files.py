"""Hostile files each give one clear Japanese ImportFileError, never a traceback and never a hang."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from chizai.exchange import readers
from chizai.exchange.readers import open_table
from chizai.exchange.report import ImportFileError
from chizai.exchange.tests import hostile


def read_all(path: Path, file_name: str | None = None) -> list[tuple[str, list[tuple[int, list[Any]]]]]:
    with open_table(path, file_name or path.name) as sheets:
        return [(sheet.name, list(sheet.rows)) for sheet in sheets]


def refusal(path: Path, file_name: str | None = None) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_all(path, file_name)
    return caught.value.message


def test_it_refuses_a_zip_bomb_disguised_as_xlsx_without_inflating_it(tmp_path: Path) -> None:
    bomb = hostile.zip_bomb_xlsx(tmp_path / "KPI一覧.xlsx")  # 500 MB of zeros inside
    tracemalloc.start()
    try:
        message = refusal(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "異常に大きく展開される" in message
    assert peak < 10 * 1024 * 1024


def test_it_refuses_a_small_zip_bomb_by_its_compression_ratio(tmp_path: Path) -> None:
    bomb = hostile.zip_bomb_xlsx(tmp_path / "kpi.xlsx", uncompressed_mb=32, compresslevel=9)
    assert bomb.stat().st_size < 1024 * 1024
    assert "異常に大きく展開される" in refusal(bomb)


def test_it_refuses_a_zip_bomb_whatever_its_name(tmp_path: Path) -> None:
    bomb = hostile.zip_bomb_xlsx(tmp_path / "実績.csv", uncompressed_mb=32, compresslevel=9)
    assert "異常に大きく展開される" in refusal(bomb)


def test_it_refuses_a_zip_that_would_inflate_past_the_total_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "MAX_COMPRESSION_RATIO", 100_000)
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 16 * 1024 * 1024)
    bomb = hostile.zip_bomb_xlsx(tmp_path / "kpi.xlsx", uncompressed_mb=20, compresslevel=9)
    assert "異常に大きく展開される" in refusal(bomb)


def test_it_refuses_a_truncated_xlsx(tmp_path: Path) -> None:
    message = refusal(hostile.truncated_xlsx(tmp_path / "kpi.xlsx"))
    assert message.startswith("ファイルが壊れているか、途中で切れています")


def test_it_refuses_an_old_xls_file_asking_to_save_as_xlsx(tmp_path: Path) -> None:
    message = refusal(hostile.xls_file(tmp_path / "kpi.xls"))
    assert message == "Excel 97-2003形式（.xls）は読み込めません。Excelで「.xlsx」形式で保存し直してください。"


def test_it_recognises_an_xls_file_renamed_xlsx_by_its_content(tmp_path: Path) -> None:
    # also what a password-protected .xlsx looks like: an OLE2 container
    message = refusal(hostile.xls_file(tmp_path / "kpi.xlsx"))
    assert message.startswith("Excel 97-2003形式（.xls）は読み込めません。")
    assert "パスワード" in message


def test_it_refuses_a_pdf_renamed_xlsx(tmp_path: Path) -> None:
    assert refusal(hostile.pdf_renamed(tmp_path / "kpi.xlsx")).startswith("PDFファイルのようです。")


def test_it_refuses_a_png_renamed_csv(tmp_path: Path) -> None:
    assert refusal(hostile.png_renamed(tmp_path / "kpi.csv")).startswith("画像ファイル（PNG）のようです。")


def test_it_refuses_binary_content_with_nul_bytes_as_csv(tmp_path: Path) -> None:
    message = refusal(hostile.binary_with_nul_csv(tmp_path / "kpi.csv"))
    assert "1行目に文字ではないデータ（NULバイト）があります" in message


def test_it_refuses_an_empty_file(tmp_path: Path) -> None:
    assert refusal(hostile.empty_file(tmp_path / "kpi.csv")) == "ファイルにデータがありません。"


def test_it_refuses_an_oversized_file_with_the_limit_in_megabytes(tmp_path: Path, settings: Any) -> None:
    settings.CHIZAI_IMPORT_MAX_BYTES = 1024 * 1024
    big = hostile.big_csv(tmp_path / "実績.csv", 40_000)
    assert big.stat().st_size > 1024 * 1024
    message = refusal(big)
    assert message.startswith("ファイルが大きすぎます")
    assert "1 MB 以下のファイルにしてください" in message


def test_it_refuses_bytes_that_no_accepted_encoding_reads(tmp_path: Path) -> None:
    message = refusal(hostile.cp932_csv_with_bad_byte(tmp_path / "実績.csv", bad_line=5000))
    assert message.startswith("5,000行目付近の文字が読み取れません（文字コード: Shift_JIS（CP932））。")
    assert "UTF-8 か Shift_JIS（CP932）で保存し直してください" in message


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_it_refuses_an_xml_entity_bomb_inside_an_xlsx(tmp_path: Path, member: str) -> None:
    message = refusal(hostile.billion_laughs_xlsx(tmp_path / "kpi.xlsx", member=member))
    assert message.startswith("ファイルの中に安全でない内容（XMLの実体定義）がある")


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    message = refusal(hostile.not_a_workbook_zip(tmp_path / "kpi.xlsx"))
    assert message.startswith("Excelファイル（.xlsx）ではありません")


def test_it_refuses_a_text_file_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "kpi.xlsx"
    path.write_text("都道府県,KPI名\n東京都,相談件数\n", encoding="utf-8")
    assert "拡張子を「.csv」にしてください" in refusal(path)


@pytest.mark.parametrize("file_name", ["kpi.pdf", "kpi.docx", "kpi", "kpi.xlsm"])
def test_it_refuses_an_unknown_extension_listing_the_accepted_types(tmp_path: Path, file_name: str) -> None:
    path = tmp_path / "upload.bin"
    path.write_text("都道府県,KPI名\n", encoding="utf-8")
    assert ".xlsx、.csv、.txt" in refusal(path, file_name)


def test_it_refuses_a_workbook_without_any_data(tmp_path: Path) -> None:
    workbook = hostile.simple_xlsx(tmp_path / "kpi.xlsx", rows=[])
    assert refusal(workbook) == "ファイルにデータがありません。"


def test_it_refuses_a_csv_of_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n,,,\r\n\r\n")
    assert refusal(path) == "ファイルにデータがありません。"


def test_it_refuses_a_csv_with_an_unclosed_quote_far_down(tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("都道府県,KPI名\n")
        out.write("東京都,相談件数\n" * 10)
        out.write('東京都,"閉じていない' + "x" * 200_000 + "\n")
    message = refusal(path)
    assert "行目付近がCSVとして読み取れません" in message


def test_it_does_not_pad_rows_to_a_dimension_the_sheet_claims(tmp_path: Path) -> None:
    sheets = read_all(hostile.huge_dimension_xlsx(tmp_path / "kpi.xlsx"))
    rows = sheets[0][1]
    assert [number for number, _ in rows] == [1, 2, 3]
    assert max(len(cells) for _, cells in rows) == 6
