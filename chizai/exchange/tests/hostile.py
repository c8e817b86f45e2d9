"""Builders of hostile and awkward upload files, for the reader, importer and view tests.

Each builder writes one file at `path` and returns `path`, so a test reads
`open_table(zip_bomb_xlsx(tmp_path / "kpi.xlsx"), "kpi.xlsx")`. None needs the database.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

__all__ = [
    "INVALID_IN_UTF8_AND_CP932",
    "billion_laughs_xlsx",
    "binary_with_nul_csv",
    "big_csv",
    "cp932_csv_with_bad_byte",
    "empty_file",
    "huge_dimension_xlsx",
    "not_a_workbook_zip",
    "pdf_renamed",
    "png_renamed",
    "simple_xlsx",
    "truncated_xlsx",
    "xls_file",
    "zip_bomb_xlsx",
]

# 0x85 is an unassigned lead byte in CP932, and a stray continuation byte in UTF-8: no encoding we try reads it.
INVALID_IN_UTF8_AND_CP932 = b"\x85\x40"

ACTUALS_HEADER = ("都道府県", "KPI名", "年度", "期", "実績", "評価コメント")


def simple_xlsx(path: Path, rows: Iterable[Sequence[Any]] | None = None, *, title: str = "実績") -> Path:
    """A real workbook written by openpyxl, with an actuals header and a few rows unless `rows` is given."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    default_rows: list[Sequence[Any]] = [
        ACTUALS_HEADER,
        ("東京都", "知財総合支援窓口の相談件数", "令和5年度", "通期", "1,234件", "順調"),
        ("大阪", "知財総合支援窓口の相談件数", datetime.date(2023, 4, 1), "上期", 600, ""),
    ]
    for row in rows if rows is not None else default_rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def zip_bomb_xlsx(path: Path, *, uncompressed_mb: int = 500, compresslevel: int = 1) -> Path:
    """A zip disguised as .xlsx whose worksheet inflates to `uncompressed_mb` MB of zeros.

    Written in 1 MB chunks (memory stays small). The default, 500 MB at level 1, takes about a second and
    compresses to about 2 MB (ratio > 200, total > 300 MB); `uncompressed_mb=32, compresslevel=9` gives a
    small bomb (about 32 KB, ratio about 1000) that only the ratio check catches.
    """
    chunk = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(uncompressed_mb):
                member.write(chunk)
    return path


def truncated_xlsx(path: Path) -> Path:
    """The first half of a real workbook, as an interrupted download or a full disk leaves it."""
    simple_xlsx(path, [ACTUALS_HEADER, *(("東京都", f"KPI {n}", 2023, "通期", n, "") for n in range(300))])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def xls_file(path: Path) -> Path:
    """An Excel 97-2003 file: what matters is its OLE2 signature (D0 CF 11 E0 A1 B1 1A E1)."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"Workbook" * 64)
    return path


def pdf_renamed(path: Path) -> Path:
    """A PDF under whatever name `path` has (e.g. kpi.xlsx)."""
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return path


def png_renamed(path: Path) -> Path:
    """A PNG image (signature and a 1x1 IHDR chunk) under whatever name `path` has (e.g. kpi.csv)."""
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    )
    return path


def binary_with_nul_csv(path: Path) -> Path:
    """Binary content without a known signature (here the start of an ELF program), NUL bytes included."""
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def not_a_workbook_zip(path: Path) -> Path:
    """A zip that is not a workbook (a Word document's layout) renamed .xlsx."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("word/document.xml", "<document/>")
    return path


def huge_dimension_xlsx(path: Path) -> Path:
    """A small workbook whose sheet claims the dimension A1:XFD1048576 (16,384 columns by 1,048,576 rows)."""
    source = simple_xlsx(path.with_name(path.stem + "-source.xlsx"))
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as claimed:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            claimed.writestr(info.filename, data)
    source.unlink()
    return path


def cp932_csv_with_bad_byte(path: Path, *, bad_line: int = 5000, lines: int = 6000) -> Path:
    """A CP932 actuals CSV, valid except for an undecodable byte sequence on line `bad_line`."""
    with path.open("wb") as out:
        out.write(",".join(ACTUALS_HEADER).encode("cp932") + b"\r\n")
        for line_number in range(2, lines + 1):
            line = f"東京都,相談件数{line_number},2023,通期,{line_number},".encode("cp932")
            if line_number == bad_line:
                line += INVALID_IN_UTF8_AND_CP932
            out.write(line + b"\r\n")
    return path


def big_csv(path: Path, rows: int, *, encoding: str = "cp932") -> Path:
    """An actuals CSV of `rows` lines (header included), written line by line."""
    with path.open("w", encoding=encoding, newline="") as out:
        out.write(",".join(ACTUALS_HEADER) + "\r\n")
        for number in range(1, rows):
            out.write(f"東京都,知財総合支援窓口の相談件数 {number},令和5年度,上期,{number:,}件,コメント{number}\r\n")
    return path


def billion_laughs_xlsx(path: Path, *, member: str = "xl/sharedStrings.xml") -> Path:
    """A real workbook whose `member` (sharedStrings.xml, or xl/worksheets/sheet1.xml) is an XML entity bomb."""
    source = simple_xlsx(path.with_name(path.stem + "-source.xlsx"))
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        members = {info.filename: original.read(info) for info in original.infolist()}
        if member == _SHARED_STRINGS and member not in members:  # openpyxl writes inline strings: declare the part
            members[_SHARED_STRINGS] = b""
            members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
                b"</Types>", _SHARED_STRINGS_TYPE + b"</Types>"
            )
        members[member] = _BILLION_LAUGHS.encode()
        for name, data in members.items():
            bomb.writestr(name, data)
    source.unlink()
    return path


_SHARED_STRINGS = "xl/sharedStrings.xml"
_SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'
)
_BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n' for n in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>&lol9;</t></si></sst>"
)
