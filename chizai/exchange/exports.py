"""The one renderer of exports: tables of rows written as .xlsx (one sheet per table) or as CSV.

Every exported table goes through here, so every export gets the same promises:
- text that a spreadsheet would run as a formula (= + - @, tab, CR first) is neutralised with a leading
  apostrophe (OWASP "CSV injection"); the importer strips exactly that apostrophe again;
- numbers stay numbers (Decimal and int cells, with a number format that keeps their decimals);
- CSV is CP932 by default (what Excel on Japanese Windows opens directly), characters CP932 cannot
  hold become 〓 (the 下駄 mark) rather than an error or a silent gap; UTF-8 with a BOM on request;
- memory stays bounded: xlsx rows are streamed by openpyxl's write-only mode into a temporary file,
  CSV rows are streamed to the client.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_ENCODINGS = {"cp932": "Shift_JIS", "utf-8-sig": "UTF-8"}  # codec → charset label for the header
REPLACEMENT = "〓"
# Starting characters a spreadsheet reads as a formula or a command (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
CSV_CHUNK_BYTES = 64 * 1024

# Sheet names: at most 31 characters, none of these.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# How many rows are read ahead to size the columns (write-only sheets need widths before any row).
_WIDTH_SAMPLE_ROWS = 200
_MAX_WIDTH = 60
_MIN_WIDTH = 6


@dataclass
class Table:
    """A table to export: a title, its column headings and its rows (any iterable, read once).

    `key` names the table in URLs (?sheet=key picks one table for CSV); `choices` maps a column heading to
    the values a template offers in a drop-down (an Excel data validation list).
    """

    title: str
    columns: list[str]
    rows: Iterable[Sequence[Any]]
    sheet_name: str = ""
    key: str = ""
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    blank_rows: int = 0  # rows with a validation but no data, for templates to fill in

    def __post_init__(self) -> None:
        name = _SHEET_FORBIDDEN.sub("_", self.sheet_name or self.title)[:31]
        self.sheet_name = name or "Sheet"


# --- cell values -------------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other text is unchanged."""
    return NEUTRALISER + text if text.startswith(FORMULA_TRIGGERS) else text


def _plain_decimal(value: Decimal) -> Decimal:
    """60.00 → 60, 12.50 → 12.5: the decimals a value really has (the database pads them)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def decimal_places(value: Decimal) -> int:
    exponent = _plain_decimal(value).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def number_format(value: int | Decimal) -> str:
    """#,##0 for whole numbers; #,##0.0… keeping exactly the decimals the value has."""
    places = decimal_places(value) if isinstance(value, Decimal) else 0
    return "#,##0" + ("." + "0" * places if places else "")


def csv_text(value: Any) -> str:
    """A cell as CSV text: plain numbers (no separators), 2025/10/01 dates, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, Decimal):
        return f"{_plain_decimal(value):f}"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y/%m/%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y/%m/%d")
    return neutralise(str(value))


def _local(value: datetime.datetime) -> datetime.datetime:
    """Aware datetimes in the site's time zone, without tzinfo (Excel has no time zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


# --- xlsx ----------------------------------------------------------------------------------------------------


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    text = csv_text(value) if not isinstance(value, int | Decimal) else f"{value:,}"
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _column_widths(columns: list[str], sample: list[Sequence[Any]]) -> list[float]:
    widths: list[float] = []
    for index, heading in enumerate(columns):
        longest = max([_display_width(heading)] + [_display_width(row[index]) for row in sample if index < len(row)])
        widths.append(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH))
    return widths


def _xlsx_value(value: Any) -> Any:
    """Numbers and dates as themselves; everything else as neutralised text."""
    if isinstance(value, bool):
        return csv_text(value)
    if isinstance(value, datetime.datetime):
        return _local(value)
    if value is None or isinstance(value, int | Decimal | float | datetime.date):
        return value
    return neutralise(str(value))


def _xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    value = _xlsx_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    elif isinstance(value, int | Decimal):
        cell.number_format = number_format(value)
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy/mm/dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy/mm/dd"
    return cell


def _add_validations(sheet: Any, table: Table, last_row: int) -> None:
    for heading, values in table.choices.items():
        if heading not in table.columns or not values:
            continue
        letter = get_column_letter(table.columns.index(heading) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="入力できない値です",
            error=f"{heading}は一覧から選んでください。",
        )
        validation.add(f"{letter}2:{letter}{max(last_row, 2)}")
        sheet.data_validations.append(validation)  # written with the sheet's tail, after the rows


def _write_sheet(workbook: Workbook, table: Table) -> None:
    sheet = workbook.create_sheet(title=table.sheet_name)
    rows = iter(table.rows)
    sample = list(itertools.islice(rows, _WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(_column_widths(table.columns, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for heading in table.columns:
        cell = _xlsx_cell(sheet, heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written = 1
    for row in itertools.chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        written += 1
    _add_validations(sheet, table, written + table.blank_rows)


def write_xlsx(tables: Iterable[Table], target: Any) -> None:
    """Write the tables, one sheet each, to a path or a binary file object."""
    workbook = Workbook(write_only=True)
    for table in tables:
        _write_sheet(workbook, table)
    workbook.save(target)


def xlsx_response(tables: Iterable[Table], filename: str) -> FileResponse:
    """The workbook as a download, built in a temporary file so memory stays bounded."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # closed by the response once sent
    write_xlsx(tables, spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(filename)
    return response


# --- CSV -------------------------------------------------------------------------------------------------------

# Characters whose usual Unicode form has no CP932 code, though CP932 has the same character elsewhere
# (e.g. 〜 WAVE DASH is written by Excel as ～). Mapping them keeps them readable instead of 〓.
_CP932_EQUIVALENTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 → ～
        "\u2016": "\u2225",  # ‖ → ∥
        "\u2212": "\uff0d",  # − → －
        "\u2014": "\u2015",  # — → ―
        "\u00a2": "\uffe0",  # ¢ → ￠
        "\u00a3": "\uffe1",  # £ → ￡
        "\u00ac": "\uffe2",  # ¬ → ￢
        "\u00a0": " ",  # no-break space → space
    }
)


def _geta(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return REPLACEMENT * (error.end - error.start), error.end


codecs.register_error("chizai-geta", _geta)


def encode_csv_text(text: str, encoding: str) -> bytes:
    if encoding == "cp932":
        return text.translate(_CP932_EQUIVALENTS).encode("cp932", errors="chizai-geta")
    return text.encode("utf-8")


class _Line:
    """A file-like sink for csv.writer that hands back each formatted line."""

    def write(self, line: str) -> str:
        return line


def csv_lines(table: Table, encoding: str = "cp932") -> Iterator[bytes]:
    """The table as encoded CSV lines (CRLF), the header first; a BOM first for UTF-8."""
    if encoding not in CSV_ENCODINGS:
        raise ValueError(f"unsupported CSV encoding: {encoding}")
    writer = csv.writer(_Line(), lineterminator="\r\n")
    if encoding == "utf-8-sig":
        yield codecs.BOM_UTF8
    yield encode_csv_text(writer.writerow([csv_text(h) for h in table.columns]), encoding)
    for row in table.rows:
        yield encode_csv_text(writer.writerow([csv_text(value) for value in row]), encoding)


def in_chunks(lines: Iterable[bytes], size: int = CSV_CHUNK_BYTES) -> Iterator[bytes]:
    """Lines gathered into chunks of about `size` bytes: one write per chunk rather than per row, and never
    more than one chunk in memory."""
    chunk: list[bytes] = []
    length = 0
    for line in lines:
        chunk.append(line)
        length += len(line)
        if length >= size:
            yield b"".join(chunk)
            chunk, length = [], 0
    if chunk:
        yield b"".join(chunk)


def csv_response(table: Table, filename: str, encoding: str = "cp932") -> StreamingHttpResponse:
    """The table as a CSV download, its rows read and encoded as the client receives them."""
    response = StreamingHttpResponse(
        in_chunks(csv_lines(table, encoding)), content_type=f"text/csv; charset={CSV_ENCODINGS[encoding]}"
    )
    response["Content-Disposition"] = attachment_header(filename)
    return response


# --- file names ------------------------------------------------------------------------------------------------


def ascii_fallback(filename: str) -> str:
    """An ASCII name for clients that ignore filename*.

    "地域KPI_東京都_2026-11-24.xlsx" → "chizai_KPI_2026-11-24.xlsx".
    """
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_stem = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9.-]+", "_", stem)).strip("_")
    name = f"chizai_{ascii_stem}" if ascii_stem else "chizai"
    return f"{name}.{extension}" if extension else name


def attachment_header(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the Japanese name as RFC 5987 filename*."""
    return f"attachment; filename=\"{ascii_fallback(filename)}\"; filename*=utf-8''{quote(filename)}"


def dated_filename(*parts: str, extension: str) -> str:
    """ "地域KPI_東京都_2026-11-24.xlsx": the parts, then today's date in the site's time zone."""
    today = timezone.localdate().isoformat()
    clean = [re.sub(r"[\\/:*?\"<>|\s]+", "_", p) for p in parts if p]
    return "_".join([*clean, today]) + f".{extension}"


def table_response(
    tables: list[Table], filename_parts: Sequence[str], fmt: str, *, sheet: str = "", encoding: str = "cp932"
) -> HttpResponse | StreamingHttpResponse:
    """xlsx: every table; csv: the table named by `sheet` (its key), else the first."""
    if fmt == "xlsx":
        return xlsx_response(tables, dated_filename(*filename_parts, extension="xlsx"))
    chosen = next((t for t in tables if t.key and t.key == sheet), tables[0])
    parts = list(filename_parts) + ([chosen.sheet_name] if len(tables) > 1 else [])
    return csv_response(chosen, dated_filename(*parts, extension="csv"), encoding)
