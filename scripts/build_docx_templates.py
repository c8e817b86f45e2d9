"""Builds the Word templates of the documents (chizai/reports/templates_docx/*.docx) with python-docx.

The generated files are committed; an official may restyle them in Word (fonts, heading styles, the table
style "chizai 表", margins, header and footer) and the documents follow, as long as the {{ … }} and {% … %}
tags stay. Rerun after changing this script:  .venv/bin/python scripts/build_docx_templates.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "chizai" / "reports" / "templates_docx"
MINCHO = "BIZ UD明朝"
GOTHIC = "BIZ UDゴシック"
KINDS = {
    "plan_report": "計画書の書式による評価",
    "self_evaluation": "自己評価票",
    "compilation": "自己評価の取りまとめ",
    "final_evaluation": "計画期間終了時の評価",
    "meeting": "地域連絡会議 資料",
    "case": "ハンズオン支援 案件概要",
    "model_case": "モデル的な事例",
    "regional_analysis": "地域別の支援の分析（地域へのフィードバック）",
}


def _fonts(style, latin: str, east_asian: str, size: float, bold: bool = False) -> None:
    style.font.name = latin
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when they lay the pages out."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _styles(document) -> None:
    styles = document.styles
    _fonts(styles["Normal"], MINCHO, MINCHO, 10)
    for name, size in (("Title", 16), ("Heading 1", 13), ("Heading 2", 11.5), ("Heading 3", 10.5)):
        _fonts(styles[name], GOTHIC, GOTHIC, size, bold=True)
        styles[name].paragraph_format.keep_with_next = True
    caption = styles.add_style("chizai 表題", WD_STYLE_TYPE.PARAGRAPH)
    _fonts(caption, GOTHIC, GOTHIC, 9, bold=True)
    caption.paragraph_format.keep_with_next = True
    note = styles.add_style("chizai 注記", WD_STYLE_TYPE.PARAGRAPH)
    _fonts(note, MINCHO, MINCHO, 8.5)
    meta = styles.add_style("chizai 作成情報", WD_STYLE_TYPE.PARAGRAPH)
    _fonts(meta, GOTHIC, GOTHIC, 8)
    meta.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    cell = styles.add_style("chizai 表", WD_STYLE_TYPE.PARAGRAPH)
    _fonts(cell, MINCHO, MINCHO, 8.5)
    cell.paragraph_format.space_after = Pt(0)


def _page(document, title: str) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(16)
    section.top_margin = section.bottom_margin = Mm(18)
    header = section.header.paragraphs[0]
    header.text = "{{ title }}　{{ meta }}"
    header.style = document.styles["chizai 作成情報"]
    # Page 1 opens with the same title and meta line in the body: its header stays empty (w:titlePg), as the PDF's
    # first page does (@page :first), or Word and LibreOffice print that line twice on page 1.
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    for footer in (section.footer, section.first_page_footer):
        _page_number(footer.paragraphs[0])


def _page_number(footer) -> None:
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES")


def _body(document) -> None:
    document.add_paragraph("{{ meta }}", style="chizai 作成情報")
    document.add_paragraph("{%p if demo %}")
    document.add_paragraph("デモデータ：架空の数値を含みます。実在の実績ではありません。", style="chizai 注記")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{{ title }}", style="Title")
    document.add_paragraph("{{ subtitle }}")
    document.add_paragraph("{%p for block in blocks %}")
    document.add_paragraph("{%p if block.kind == 'heading2' %}")
    document.add_paragraph("{{ block.text }}", style="Heading 1")
    document.add_paragraph("{%p elif block.kind == 'heading3' %}")
    document.add_paragraph("{{ block.text }}", style="Heading 2")
    document.add_paragraph("{%p elif block.kind == 'heading4' %}")
    document.add_paragraph("{{ block.text }}", style="Heading 3")
    document.add_paragraph("{%p elif block.kind == 'paragraph' %}")
    document.add_paragraph("{{ block.text }}")
    document.add_paragraph("{%p elif block.kind == 'note' %}")
    document.add_paragraph("{{ block.text }}", style="chizai 注記")
    document.add_paragraph("{%p elif block.kind == 'chart' %}")
    document.add_paragraph("{{ block.image }}")
    document.add_paragraph("{{ block.title }}　{{ block.caption }}", style="chizai 注記")
    document.add_paragraph("{%p elif block.kind == 'table' %}")
    document.add_paragraph("{{ block.caption }}", style="chizai 表題")
    table = document.add_table(rows=4, cols=3)
    table.style = document.styles["Table Grid"]
    rows = table.rows
    for index, text in enumerate(("{%tc for header in block.headers %}", "{{ header }}", "{%tc endfor %}")):
        rows[0].cells[index].text = text
    _repeat_header(rows[0])
    rows[1].cells[0].text = "{%tr for row in block.rows %}"
    for index, text in enumerate(("{%tc for cell in row %}", "{{ cell }}", "{%tc endfor %}")):
        rows[2].cells[index].text = text
    rows[3].cells[0].text = "{%tr endfor %}"
    for row in rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.style = document.styles["chizai 表"]
    for paragraph in rows[0].cells[1].paragraphs:
        for run in paragraph.runs:
            run.bold = True
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p endfor %}")


def build(kind: str, title: str) -> Path:
    document = Document()
    document.core_properties.title = title
    document.core_properties.author = "chizai"
    _styles(document)
    _page(document, title)
    _body(document)
    path = OUT / f"{kind}.docx"
    document.save(path)
    return path


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, title in KINDS.items():
        print(build(kind, title))
