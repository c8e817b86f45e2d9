"""Reading documents back as a reader would: PDF through poppler (pdftotext, pdffonts, pdfinfo), Word through
python-docx (body paragraphs, table cells, header)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

from docx import Document

A4_POINTS = (595.28, 841.89)


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        Path(file.name).write_bytes(pdf)
        return subprocess.run(
            [tool, *args, file.name, *(["-"] if tool == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, block by block (a table cell's wrapped lines stay together)."""
    return _poppler("pdftotext", pdf)


def pdf_page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in order (pdftotext ends every page with a form feed)."""
    return pdf_text(pdf).split("\f")[:-1]


def pdf_outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """The PDF's bookmarks in order: (depth, title, page index)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, str(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def pdf_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded) of every font of the PDF."""
    rows = _poppler("pdffonts", pdf).splitlines()[2:]
    return [(row.split()[0], row.split()[-5] == "yes") for row in rows if row.strip()]


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    info = _poppler("pdfinfo", pdf, "-f", "1", "-l", "999")
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def docx_text(docx: bytes) -> str:
    """Every paragraph of the Word file's body and tables, and its header, one per line."""
    document = Document(io.BytesIO(docx))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    lines += [p.text for section in document.sections for p in section.header.paragraphs]
    return "\n".join(lines)


def docx_tables(docx: bytes) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in Document(io.BytesIO(docx)).tables]


def squeeze(text: str) -> str:
    """Text without layout whitespace: a PDF table wraps a long cell over lines."""
    return re.sub(r"\s+", "", text)
