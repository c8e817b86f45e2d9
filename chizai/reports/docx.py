"""A document as Word (.docx): the document's blocks poured into its docxtpl template.

The templates (templates_docx/<kind>.docx, built by scripts/build_docx_templates.py) hold the styles, the
page (A4), the header and the page-number footer; an official may restyle them in Word. After rendering,
each table gets the column widths of its block (the text columns get the room) and each chart carries its
SVG (vector, Word 2016 and later, LibreOffice) beside the PNG older readers show.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, Listing

from chizai.lib.date_labels import date_label
from chizai.reports.document import Block, Chart, Document, Heading, Paragraph, Table

TEMPLATES = Path(__file__).resolve().parent / "templates_docx"
TEXT_WIDTH_MM = 178  # A4 210 mm less the template's 16 mm margins
SVG_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
SVG_NAMESPACE = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def template_path(kind: str) -> Path:
    return TEMPLATES / f"{kind}.docx"


def _text(value: str) -> Any:
    return Listing(value) if "\n" in value else value


def _block(template: DocxTemplate, block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"kind": f"heading{min(max(block.level, 2), 4)}", "text": block.text}
    if isinstance(block, Paragraph):
        return {"kind": "note" if block.note else "paragraph", "text": _text(block.text)}
    if isinstance(block, Table):
        rows = [[_text(cell) for cell in row] for row in block.rows] or [
            ["（該当なし）"] + [""] * (len(block.headers) - 1)
        ]
        return {"kind": "table", "caption": block.caption, "headers": block.headers, "rows": rows}
    image = InlineImage(template, io.BytesIO(block.png), width=Mm(TEXT_WIDTH_MM - 8))
    return {"kind": "chart", "title": block.title, "caption": block.caption, "image": image}


def _set_widths(word: WordDocument, tables: list[Table]) -> None:
    for table, block in zip(word.tables, tables, strict=True):
        widths = [Mm(TEXT_WIDTH_MM * percent / 100) for percent in block.width_percents()]
        grid = table._tbl.tblGrid
        for column in list(grid):
            grid.remove(column)
        for width in widths:
            column = OxmlElement("w:gridCol")
            column.set(qn("w:w"), str(int(width.twips)))
            grid.append(column)
        table.autofit = False
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = width


def _attach_svg(word: WordDocument, charts: list[Chart]) -> None:
    """Adds each chart's SVG to its picture (a:blip/a:extLst/asvg:svgBlip), keeping the PNG as fallback."""
    blips = word.element.body.findall(".//" + qn("a:blip"))
    for index, (blip, chart) in enumerate(zip(blips, charts, strict=True), start=1):
        part = Part(
            PackURI(f"/word/media/chart{index}.svg"), "image/svg+xml", chart.svg.encode("utf-8"), word.part.package
        )
        relationship = word.part.relate_to(part, RELATIONSHIP_TYPE.IMAGE)
        extensions = parse_xml(
            f'<a:extLst {nsdecls("a", "r")}><a:ext uri="{SVG_EXTENSION}">'
            f'<asvg:svgBlip xmlns:asvg="{SVG_NAMESPACE}" r:embed="{relationship}"/></a:ext></a:extLst>'
        )
        blip.append(extensions)


def render_docx(document: Document) -> bytes:
    template = DocxTemplate(template_path(document.kind))
    context = {
        "title": document.title,
        "subtitle": document.subtitle,
        "meta": f"作成日 {date_label(document.created)}・データ {date_label(document.as_of)}時点"
        + ("・デモデータを含む" if document.demo else ""),
        "demo": document.demo,
        "blocks": [_block(template, block) for block in document.blocks],
    }
    template.render(context, autoescape=True)
    docx = template.docx
    _set_widths(docx, [b for b in document.blocks if isinstance(b, Table)])
    _attach_svg(docx, [b for b in document.blocks if isinstance(b, Chart)])
    docx.core_properties.title = document.title
    output = io.BytesIO()
    docx.save(output)
    return output.getvalue()
