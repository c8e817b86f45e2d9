"""`chizai report 2 --format pdf|docx` carries every figure of the plan's section I.2(2), on A4 pages with the
Japanese fonts embedded."""

from __future__ import annotations

import io
import re
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.conftest import PLAN2_FILE
from chizai.reports.tests.readback import A4_POINTS, docx_text, pdf_fonts, pdf_page_sizes, pdf_text, squeeze

SEED = Path("/work/shared/seed/3rd_regional_ip_action_plan_2023.md")


def seed_figures() -> list[str]:
    """The percentages of the 3rd plan's section I.2(2), as the plan prints them: (107%)… and 167.3%, 78.9%."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("第2次行動計画の実績及び成果**")
    section = text[start : text.index("第 2 次行動計画策定後の現状及び課題", start)]
    whole = [f"({p}%)" for p in re.findall(r"[(（](\d+)%[)）]", section)]
    decimal = [f"{p}%" for p in re.findall(r"(\d+\.\d)%", section)]
    assert len(whole) == 16 and sorted(decimal) == ["167.3%", "78.9%"], "the seed section was not found as expected"
    return whole + decimal


@pytest.fixture
def plan2(db: None):
    return load_plan_file(PLAN2_FILE).plan


def report_file(tmp_path: Path, fmt: str) -> bytes:
    output = tmp_path / f"report.{fmt}"
    call_command("report", "2", "--format", fmt, "--output", str(output), "--as-of", "2023-06-01", stderr=StringIO())
    return output.read_bytes()


def test_the_pdf_carries_every_figure_of_section_i_2_2(plan2, tmp_path):
    text = squeeze(pdf_text(report_file(tmp_path, "pdf")))

    assert [figure for figure in seed_figures() if figure not in text] == []
    assert "【実績】2020年度267社(107%)、2021年度256社(102%)、2022年度277社(111%)" in text


def test_the_word_file_carries_every_figure_of_section_i_2_2(plan2, tmp_path):
    text = docx_text(report_file(tmp_path, "docx"))

    assert [figure for figure in seed_figures() if figure not in text] == []
    assert "【実績】2020年度 267社(107%)、2021年度 256社(102%)、2022年度 277社(111%)" in text.splitlines()


def test_the_pdf_is_a4_with_the_japanese_fonts_embedded(plan2, tmp_path):
    pdf = report_file(tmp_path, "pdf")

    sizes = pdf_page_sizes(pdf)
    assert len(sizes) >= 2 and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes)
    fonts = pdf_fonts(pdf)
    assert {name.split("+")[-1] for name, _ in fonts} >= {"BIZ-UDMincho", "BIZ-UDGothic"}
    assert all(embedded for _, embedded in fonts)


def test_the_pdf_numbers_its_pages_and_states_its_dates(plan2, tmp_path):
    pages = pdf_text(report_file(tmp_path, "pdf")).split("\f")

    count = len([page for page in pages if page.strip()])
    assert f"1 / {count}" in pages[0] and f"{count} / {count}" in pages[count - 1]
    assert "データ 2023年6月1日時点" in pages[0] and "作成日" in pages[0]


def test_the_charts_state_their_figures_in_text(plan2, tmp_path):
    text = squeeze(pdf_text(report_file(tmp_path, "pdf")))

    assert "図中小企業による早期審査申請件数の実績と目標" in text
    assert "2020年度実績6,853件・目標5,500件（125%）" in text


def test_it_asks_for_an_output_file_for_word_and_pdf(plan2):
    with pytest.raises(CommandError, match="--output"):
        call_command("report", "2", "--format", "pdf")


def test_it_still_prints_markdown(plan2):
    out = StringIO()
    call_command("report", "2", "--format", "md", "--as-of", "2023-06-01", stdout=out)

    assert "【実績】213件(85%)" in out.getvalue()


def test_the_word_files_charts_are_vector_with_a_picture_fallback(plan2, tmp_path):
    with zipfile.ZipFile(io.BytesIO(report_file(tmp_path, "docx"))) as docx:
        names = docx.namelist()
        body = docx.read("word/document.xml").decode("utf-8")

    svgs = [n for n in names if n.startswith("word/media/") and n.endswith(".svg")]
    assert len(svgs) >= 5 and body.count("svgBlip") == len(svgs)
    assert len([n for n in names if n.startswith("word/media/") and n.endswith(".png")]) == len(svgs)
