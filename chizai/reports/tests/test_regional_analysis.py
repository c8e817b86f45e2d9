"""The regional analysis document (地域へのフィードバック資料): the page's aggregates, never a company's name."""

from __future__ import annotations

from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Organization
from chizai.reports.builders_surveys import regional_analysis_document

cases_data = fx.cases_data
cases_today = fx.cases_today


def test_the_regional_document_holds_the_pages_figures(cases_data: fx.CasesData) -> None:
    document = regional_analysis_document(Organization.objects.get(code="bureau-kanto"), fx.TODAY)
    text = document.text()
    assert "関東局ブロックの支援の分析" in text and "支援 2件の集計" in text and "営業秘密" in text
    assert fx.TOKYO_COMPANY not in text and fx.KANAGAWA_COMPANY not in text


def test_the_regional_document_renders_as_word_and_pdf(cases_data: fx.CasesData) -> None:
    from chizai.reports.render import render

    document = regional_analysis_document(Organization.objects.get(code="pref-13"), fx.TODAY)
    assert render(document, "docx")[:2] == b"PK"
    assert render(document, "pdf")[:5] == b"%PDF-"
