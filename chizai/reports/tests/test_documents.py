"""Each document read back from its PDF and its Word file carries the figures and texts of its page."""

from __future__ import annotations

from typing import Any

import pytest

from chizai.pdca.tests.fixtures_content import REASON, TODAY
from chizai.reports import builders
from chizai.reports.render import render
from chizai.reports.tests.readback import (
    A4_POINTS,
    docx_tables,
    docx_text,
    pdf_fonts,
    pdf_page_sizes,
    pdf_text,
    squeeze,
)


def both(document: Any) -> tuple[str, str, bytes]:
    """(PDF text without layout spaces, Word text without spaces, the PDF)."""
    pdf = render(document, "pdf")
    return squeeze(pdf_text(pdf)), squeeze(docx_text(render(document, "docx"))), pdf


def test_the_self_evaluation_carries_figures_rating_reason_and_texts(world):
    document = builders.self_evaluation_document(world["tokyo"], TODAY)
    pdf_words, word_words, pdf = both(document)

    for text in (pdf_words, word_words):
        assert "東京都2023年度下期" in text
        assert "東京都の知財セミナー参加企業数" in text
        assert "1,000件" in text and "1,234件" in text and "123%" in text
        assert squeeze(REASON) in text
        assert "フォローアップの担い手が不足。" in text
    assert all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in pdf_page_sizes(pdf))
    assert all(embedded for _, embedded in pdf_fonts(pdf))


def test_the_reason_column_has_room_in_the_word_table(world):
    document = builders.self_evaluation_document(world["tokyo"], TODAY)
    table = next(t for t in document.blocks if hasattr(t, "headers"))
    widths = dict(zip(table.headers, table.width_percents(), strict=True))

    assert widths["目安と異なる評価の理由"] >= 20
    rows = docx_tables(render(document, "docx"))[0]
    assert rows[0][-1] == "目安と異なる評価の理由" and rows[1][-1] == REASON


def test_the_block_compilation_carries_its_totals_and_the_submitted_texts(world, kanto_reviewer):
    document = builders.compilation_document(world["tokyo"].period, kanto_reviewer, TODAY)
    pdf_words, word_words, _pdf = both(document)

    for text in (pdf_words, word_words):
        assert "関東ブロック" in text
        assert "2件の項目のうち1件達成（50.0%）" in text
        assert "東京都の取組：窓口と合同で重点業種の企業を訪問した。" in text
        assert "大阪府" not in text


def test_the_national_compilation_shows_every_block_and_a_chart_with_its_figures(world, jpo_admin):
    document = builders.compilation_document(world["tokyo"].period, jpo_admin, TODAY)
    pdf_words, word_words, _pdf = both(document)

    for text in (pdf_words, word_words):
        assert "3件の項目のうち2件達成（66.7%）" in text
        assert "図地域KPIの達成率（2023年度、ブロック別）" in text
        assert "関東ブロック50.0%" in text and "近畿ブロック100.0%" in text


def test_the_end_of_plan_evaluation_nationally_and_for_a_block(world, jpo_admin):
    national, national_word, _pdf = both(
        builders.final_evaluation_document(world["tokyo"].period.plan, jpo_admin, TODAY)
    )
    block, block_word, _pdf = both(
        builders.final_evaluation_document(world["tokyo"].period.plan, jpo_admin, TODAY, "関東")
    )

    for text in (national, national_word):
        assert "全国" in text and "3件の項目のうち2件達成（66.7%）" in text
    for text in (block, block_word):
        assert "関東ブロック" in text and "2件の項目のうち1件達成（50.0%）" in text
        assert "近畿" not in text


@pytest.mark.parametrize("kind", ["self_evaluation", "compilation", "final_evaluation", "plan_report"])
def test_every_document_states_the_demo_label_when_demo_data_is_loaded(kind, world, jpo_admin, monkeypatch):
    monkeypatch.setattr("chizai.kpis.models.DemoDataset.is_loaded", classmethod(lambda cls: True))
    period = world["tokyo"].period
    document = {
        "self_evaluation": lambda: builders.self_evaluation_document(world["tokyo"], TODAY),
        "compilation": lambda: builders.compilation_document(period, jpo_admin, TODAY),
        "final_evaluation": lambda: builders.final_evaluation_document(period.plan, jpo_admin, TODAY),
        "plan_report": lambda: builders.plan_report_document(period.plan, TODAY),
    }[kind]()

    assert "デモデータ" in docx_text(render(document, "docx"))


def test_word_prints_the_title_and_date_line_once_on_page_one(world):
    """Page 1 opens with the title and the 作成日 line in the body; its header stays empty (Word's and LibreOffice's
    page 1 used to repeat that line from the running header), while the later pages carry it."""
    import io

    from docx import Document as WordDocument

    word = WordDocument(io.BytesIO(render(builders.self_evaluation_document(world["tokyo"], TODAY), "docx")))
    section = word.sections[0]

    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    assert "自己評価票" in section.header.paragraphs[0].text and "作成日" in section.header.paragraphs[0].text
    assert "PAGE" in section.first_page_footer._element.xml and "NUMPAGES" in section.footer._element.xml
