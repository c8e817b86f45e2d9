"""Reading uploaded .xlsx and .csv files as a stream of rows, refusing hostile files with a Japanese message.

INTERFACE (implemented by the readers work; the importers code against it):

    with open_table(path, file_name) as sheets:      # raises ImportFileError
        for sheet in sheets:                          # Sheet, in workbook order (one for a CSV)
            for row_number, cells in sheet.rows:      # 1-based row numbers, header rows included
                ...

- cells: list of str | int | float | Decimal | datetime.date | datetime.datetime | None | FormulaCell
  (a FormulaCell is the text of a formula found in the file; the importer reports it, never evaluates it).
- Streaming: memory stays bounded whatever the number of rows (openpyxl read-only mode; csv module).
- Errors about the file as a whole raise ImportFileError(Japanese message): wrong type, .xls, broken or
  truncated zip, zip bomb, too big, undecodable text (with its line number), more than
  settings.CHIZAI_IMPORT_MAX_ROWS rows.

Further details:
- `Sheet` is a dataclass (`name`, `rows`); a CSV gives one sheet named after the file (without extension).
  Hidden sheets of a workbook are skipped. An empty cell is None; rows may be shorter than the header (a
  missing cell means empty); an empty row inside the data is yielded as []; trailing empty rows are not.
- ImportFileError may also be raised while iterating `sheet.rows` (a bad byte or the row limit found far
  down a streamed file, a workbook broken inside a sheet): importers iterate inside their own try.
- The type is decided by the content, not the name: accepted are .xlsx (a zip holding xl/workbook.xml)
  and .csv / .txt (text in UTF-8, UTF-8 with BOM, UTF-16 with BOM, or CP932; comma- or tab-separated).
- Formulas: an xlsx formula cell, and a cell whose text begins with "=", is a FormulaCell. A cell our own
  exports neutralised ("'=…", "'+…", "'-…", "'@…") is read back without its apostrophe, as plain text.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from defusedxml import DefusedXmlException
from django.conf import settings

from chizai.exchange.report import ImportFileError

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "FormulaCell",
    "Sheet",
    "open_table",
]

ACCEPTED_EXTENSIONS = (".xlsx", ".csv", ".txt")

# Zip-bomb limits, checked on the zip directory before openpyxl inflates anything.
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # a tiny member compressing well is harmless
MAX_ZIP_MEMBERS = 10_000
MAX_LINE_BYTES = 1024 * 1024  # one CSV line; csv's own field limit is 128 KB

SAMPLE_BYTES = 64 * 1024

NO_DATA = "ファイルにデータがありません。"
BROKEN = "ファイルが壊れているか、途中で切れています。元のファイルをもう一度保存して、アップロードし直してください。"
XLS = "Excel 97-2003形式（.xls）は読み込めません。Excelで「.xlsx」形式で保存し直してください。"
UNSAFE_XML = (
    "ファイルの中に安全でない内容（XMLの実体定義）があるため、読み込みを中止しました。"
    "Excelで開いて「.xlsx」形式で保存し直してください。"
)
RESAVE_AS_TEXT = "UTF-8 か Shift_JIS（CP932）で保存し直してください。"

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_KNOWN_BINARIES = (
    (b"%PDF", "PDFファイル"),
    (b"\x89PNG", "画像ファイル（PNG）"),
    (b"\xff\xd8\xff", "画像ファイル（JPEG）"),
    (b"GIF8", "画像ファイル（GIF）"),
    (b"BM", "画像ファイル（BMP）"),
    (b"II*\x00", "画像ファイル（TIFF）"),
    (b"MM\x00*", "画像ファイル（TIFF）"),
    (b"\x1f\x8b", "圧縮ファイル（gzip）"),
    (b"Rar!", "圧縮ファイル（RAR）"),
    (b"7z\xbc\xaf", "圧縮ファイル（7z）"),
)
_NEUTRALISED_PREFIXES = ("'=", "'+", "'-", "'@")


class FormulaCell(str):
    """The text of a formula found in a cell ("=SUM(B2:B5)"): reported by the importer, never evaluated."""

    __slots__ = ()


@dataclass
class Sheet:
    """One sheet of an uploaded file: its name and its rows as (1-based row number, cells)."""

    name: str
    rows: Iterator[tuple[int, list[Any]]]


@contextlib.contextmanager
def open_table(path: str | os.PathLike[str], file_name: str) -> Iterator[Iterator[Sheet]]:
    """Open an uploaded file (stored at `path`, uploaded as `file_name`) and yield its sheets, streamed."""
    path = Path(path)
    extension = Path(file_name).suffix.lower()
    head = _check_file(path, extension)
    if head.startswith(_ZIP_MAGIC) or head.startswith(_EMPTY_ZIP_MAGIC):
        with _open_xlsx(path) as sheets:
            yield sheets
        return
    if extension == ".xlsx":
        raise ImportFileError(_not_xlsx_message(head))
    with path.open("rb") as binary:
        yield _csv_sheets(binary, Path(file_name).stem or "CSV")


def _check_file(path: Path, extension: str) -> bytes:
    """Refuse by size, name and first bytes; return the first bytes."""
    size = path.stat().st_size
    limit = settings.CHIZAI_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            f"ファイルが大きすぎます（{_megabytes(size)} MB）。{_megabytes(limit)} MB 以下のファイルにしてください。"
        )
    if size == 0:
        raise ImportFileError(NO_DATA)
    with path.open("rb") as binary:
        head = binary.read(16)
    if head.startswith(_OLE2_MAGIC):
        if extension == ".xlsx":
            raise ImportFileError(XLS + "パスワードで保護されたファイルの場合は、保護を解除してから保存してください。")
        raise ImportFileError(XLS)
    if extension == ".xls":
        raise ImportFileError(XLS)
    if extension not in ACCEPTED_EXTENSIONS:
        accepted = "、".join(ACCEPTED_EXTENSIONS)
        raise ImportFileError(
            f"読み込めるファイルの種類は {accepted} です（「{extension or '拡張子なし'}」は読み込めません）。"
        )
    for magic, kind in _KNOWN_BINARIES:
        if head.startswith(magic) and not (magic == b"BM" and extension != ".xlsx"):
            raise ImportFileError(f"{kind}のようです。Excel（.xlsx）かCSVのファイルを選んでください。")
    return head


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f}" if size >= 1024 * 1024 else f"{size / (1024 * 1024):.2f}"


def _not_xlsx_message(head: bytes) -> str:
    if b"\x00" in head:
        return "Excelファイル（.xlsx）ではありません。Excelで「.xlsx」形式で保存し直してください。"
    return "Excelファイル（.xlsx）ではありません（テキストファイルのようです）。CSVなら拡張子を「.csv」にしてください。"


# --- xlsx ---------------------------------------------------------------------------------------------


def _check_zip(path: Path) -> None:
    """Inspect the zip directory before anything is inflated: broken, not a workbook, or a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ImportFileError(BROKEN) from None
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise ImportFileError("Excelバイナリブック（.xlsb）は読み込めません。「.xlsx」形式で保存し直してください。")
        raise ImportFileError("Excelファイル（.xlsx）ではありません（中身が別の種類のZIPファイルです）。")
    if len(members) > MAX_ZIP_MEMBERS or _looks_like_bomb(members):
        raise ImportFileError(
            "ファイルの中身が異常に大きく展開されるため、安全のため読み込みを中止しました。"
            "Excelで開いて「.xlsx」形式で保存し直してください。"
        )


def _looks_like_bomb(members: list[zipfile.ZipInfo]) -> bool:
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        member.file_size > RATIO_CHECKED_FROM_BYTES
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )


@contextlib.contextmanager
def _open_xlsx(path: Path) -> Iterator[Iterator[Sheet]]:
    import openpyxl

    _check_zip(path)
    with path.open("rb") as binary:  # a file object: openpyxl would refuse a workbook uploaded as .csv by its name
        try:
            workbook = openpyxl.load_workbook(binary, read_only=True, data_only=False)
        except Exception as error:  # untrusted content: openpyxl, zipfile and the XML parsers raise many types
            raise _broken(error) from None
        try:
            yield _xlsx_sheets(workbook)
        finally:
            workbook.close()


def _xlsx_sheets(workbook: Any) -> Iterator[Sheet]:
    visible = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
    counter = _RowCounter()
    # The first sheet with a row is opened now, so that a workbook without data is refused at once.
    primed: dict[int, Iterator[tuple[int, list[Any]]]] = {}
    for index, worksheet in enumerate(visible):
        rows = _guarded(_xlsx_rows(worksheet, counter))
        first = next(rows, None)
        if first is not None:
            primed[index] = itertools.chain([first], rows)
            break
    if not primed:
        raise ImportFileError(NO_DATA)
    return _sheets(visible, primed, counter)


def _sheets(
    visible: list[Any], primed: dict[int, Iterator[tuple[int, list[Any]]]], counter: _RowCounter
) -> Iterator[Sheet]:
    for index, worksheet in enumerate(visible):
        rows = primed.get(index) or _guarded(_xlsx_rows(worksheet, counter))
        yield Sheet(worksheet.title, rows)


def _guarded(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Turn whatever a broken sheet makes openpyxl raise into ImportFileError."""
    try:
        yield from rows
    except ImportFileError:
        raise
    except Exception as error:  # untrusted content, see _open_xlsx
        raise _broken(error) from None


def _broken(error: BaseException) -> ImportFileError:
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps what the XML parser raised in a ValueError
        if isinstance(cause, DefusedXmlException):
            return ImportFileError(UNSAFE_XML)
        cause = cause.__cause__ or cause.__context__
    return ImportFileError(BROKEN)


def _xlsx_rows(worksheet: Any, counter: _RowCounter) -> Iterator[tuple[int, list[Any]]]:
    # The stored dimension may claim A1:XFD1048576 (whole columns formatted): without it rows end at their
    # last cell instead of being padded to 16,384 columns.
    worksheet.reset_dimensions()

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        row_number = 0
        for cells in worksheet.iter_rows():
            row_number = next((cell.row for cell in cells if getattr(cell, "row", None)), row_number + 1)
            yield row_number, [_xlsx_value(cell) for cell in cells]

    return counter.count(_without_trailing_empty_rows(numbered()))


def _xlsx_value(cell: Any) -> Any:
    value = cell.value
    if cell.data_type == "f":
        return FormulaCell(getattr(value, "text", None) or str(value))
    if isinstance(value, str):
        return _text_value(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        # A cell shown as 15% holds 0.15: read what the person sees, exactly (Decimal, not float arithmetic).
        return Decimal(str(value)) * 100
    return value


def _text_value(text: str) -> Any:
    if text == "":
        return None
    if text.startswith(_NEUTRALISED_PREFIXES):
        return text[1:]
    if text.startswith("="):
        return FormulaCell(text)
    return text


# --- rows, shared -------------------------------------------------------------------------------------


class _RowCounter:
    """Counts the rows yielded from one file and refuses the file past settings.CHIZAI_IMPORT_MAX_ROWS."""

    def __init__(self) -> None:
        self.rows = 0
        self.limit = settings.CHIZAI_IMPORT_MAX_ROWS

    def count(self, rows: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
        for row in rows:
            self.rows += 1
            if self.rows > self.limit:
                raise ImportFileError(
                    f"行数が多すぎます（上限 {self.limit:,}行）。ファイルを分けてアップロードしてください。"
                )
            yield row


def _without_trailing_empty_rows(rows: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Hold back empty rows until a row with a value follows: only their number ranges are kept, not the rows
    (a sheet formatted down to row 1,048,576 ends in a million empty rows)."""
    pending: list[range] = []
    for row_number, cells in rows:
        if all(cell is None for cell in cells):
            if pending and pending[-1].stop == row_number:
                pending[-1] = range(pending[-1].start, row_number + 1)
            else:
                pending.append(range(row_number, row_number + 1))
            continue
        for empty_number in itertools.chain.from_iterable(pending):
            yield empty_number, []
        pending.clear()
        yield row_number, cells


# --- csv ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TextFormat:
    encoding: str  # a Python codec name
    label: str  # shown to the user
    delimiter: str


_ENCODING_LABELS = {
    "utf-8-sig": "UTF-8（BOM付き）",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp932": "Shift_JIS（CP932）",
}


def _csv_sheets(binary: IO[bytes], name: str) -> Iterator[Sheet]:
    text_format = _detect_format(binary)
    binary.seek(0)
    rows = _csv_rows(binary, text_format)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(NO_DATA)
    return iter([Sheet(name, itertools.chain([first], rows))])


def _detect_format(binary: IO[bytes]) -> _TextFormat:
    """Decide the encoding on a sample (the first chunk holding non-ASCII bytes) and the delimiter on line 1."""
    sample = binary.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = _guess_encoding(binary, sample)
    first_line = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[:1]
    line = first_line[0] if first_line else ""
    delimiter = "\t" if "\t" in line and "," not in line else ","
    return _TextFormat(encoding, _ENCODING_LABELS[encoding], delimiter)


def _guess_encoding(binary: IO[bytes], sample: bytes) -> str:
    """UTF-8 if the first non-ASCII bytes decode as UTF-8, else CP932 (what Excel writes on Japanese Windows)."""
    chunk = sample
    while chunk and chunk.isascii():
        chunk = binary.read(SAMPLE_BYTES)
    if not chunk:
        return "utf-8"
    chunk += binary.read(SAMPLE_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")()
    first_non_ascii = next(index for index, byte in enumerate(chunk) if byte >= 0x80)
    try:
        decoder.decode(chunk[first_non_ascii:], final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def _csv_rows(binary: IO[bytes], text_format: _TextFormat) -> Iterator[tuple[int, list[Any]]]:
    lines = _decoded_lines(binary, text_format)
    reader = csv.reader(lines, delimiter=text_format.delimiter)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for row_number, cells in enumerate(reader, start=1):
                yield row_number, [_text_value(cell) for cell in cells]
        except csv.Error:
            raise ImportFileError(
                f'{reader.line_num}行目付近がCSVとして読み取れません（引用符「"」の閉じ忘れ、または長すぎる値）。'
            ) from None

    return _RowCounter().count(_without_trailing_empty_rows(numbered()))


def _decoded_lines(binary: IO[bytes], text_format: _TextFormat) -> Iterator[str]:
    """The file's lines decoded one by one, so that a bad byte is reported with its line number."""
    if text_format.encoding == "utf-16":
        yield from _decoded_utf16_lines(binary, text_format)
        return
    decode = codecs.getdecoder(text_format.encoding)
    line_number = 0
    while raw := binary.readline(MAX_LINE_BYTES + 1):
        line_number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise ImportFileError(f"{line_number}行目が長すぎます。CSVファイルか確認してください。")
        try:
            line = decode(raw)[0]
        except UnicodeDecodeError:
            raise ImportFileError(_undecodable(line_number, text_format)) from None
        yield _checked_text(line, line_number)


def _decoded_utf16_lines(binary: IO[bytes], text_format: _TextFormat) -> Iterator[str]:
    text = io.TextIOWrapper(binary, encoding="utf-16", newline="")
    line_number = 0
    try:
        while line := text.readline(MAX_LINE_BYTES):
            line_number += 1
            yield _checked_text(line, line_number)
    except UnicodeDecodeError:
        raise ImportFileError(_undecodable(line_number + 1, text_format)) from None


def _undecodable(line_number: int, text_format: _TextFormat) -> str:
    return f"{line_number:,}行目付近の文字が読み取れません（文字コード: {text_format.label}）。" + RESAVE_AS_TEXT


def _checked_text(line: str, line_number: int) -> str:
    if "\x00" in line:
        raise ImportFileError(
            f"{line_number:,}行目に文字ではないデータ（NULバイト）があります。テキスト形式のCSVファイルではないようです。"
            "Excel（.xlsx）かCSVのファイルを選んでください。"
        )
    return line.removeprefix("\ufeff") if line_number == 1 else line
