"""A long PDF laid out by two processes at once reads as the one document: its pages numbered 「n / N」 over the
whole, the running headers on every page after the first, every line once and in order, one outline."""

from __future__ import annotations

import datetime
import io
import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse
from pypdf import PdfReader

from chizai.pdca.tests.fixtures_content import TODAY
from chizai.reports import builders, pdf, pdf_parts
from chizai.reports.apps import start_document_processes
from chizai.reports.document import Document, Heading, Paragraph, Table
from chizai.reports.html import css_string, parts, render_html
from chizai.reports.models import DocumentJob, DocumentStatus
from chizai.reports.tests.readback import (
    A4_POINTS,
    pdf_fonts,
    pdf_outline,
    pdf_page_sizes,
    pdf_page_texts,
    pdf_text,
    squeeze,
)
from chizai.workers.hooks import worker_start_handlers

TITLE = '「知財」"取りまとめ" \\ </style> & 試験'


def section(number: int, rows: int) -> list:
    return [
        Heading(f"第{number}節"),
        Paragraph(f"第{number}節の説明文。"),
        Heading(f"第{number}節の表", level=3),
        Table(
            caption=f"第{number}節の項目",
            headers=["項目", "件数"],
            rows=[[f"項目{number}-{row:03d}", f"{row * 1000:,}件"] for row in range(1, rows + 1)],
            numeric=frozenset({1}),
        ),
    ]


def long_document(*sizes: int) -> Document:
    document = Document(
        kind="test",
        title=TITLE,
        subtitle="二つの工程で組む長い帳票",
        created=datetime.date(2026, 12, 3),
        as_of=datetime.date(2026, 12, 2),
        demo=True,
    )
    for number, rows in enumerate(sizes, start=1):
        document.add(*section(number, rows))
    return document


@pytest.fixture
def in_parts(settings, monkeypatch):
    """Documents of any length are laid out by two processes; yields how many parts each PDF was laid out in."""
    settings.CHIZAI_DOCUMENT_PROCESSES = 2
    monkeypatch.setattr(pdf, "PARALLEL_MINIMUM_WEIGHT", 1)
    laid_out: list[int] = []
    render_parts = pdf_parts.render_parts

    def counted(htmls, *args):  # type: ignore[no-untyped-def]
        laid_out.append(len(htmls))
        return render_parts(htmls, *args)

    monkeypatch.setattr(pdf_parts, "render_parts", counted)
    return laid_out


def items(text: str) -> list[str]:
    return re.findall(r"項目\d-\d{3}", text)


def test_the_blocks_are_cut_at_headings_into_parts_of_about_equal_weight():
    document = long_document(40, 40, 40, 40)

    halves = parts(document, 2, minimum_weight=1)
    assert [block.text for block in (halves[0][0], halves[1][0])] == ["第1節", "第3節"]
    assert sum(map(len, halves)) == len(document.blocks)

    lopsided = parts(long_document(150, 10, 10, 10), 2, minimum_weight=1)
    assert lopsided[1][0].text == "第2節"  # the long first section is a part on its own

    assert len(parts(document, 2, minimum_weight=10**9)) == 1  # short: one process
    assert len(parts(document, 1, minimum_weight=1)) == 1
    one_section = parts(long_document(200), 2, minimum_weight=1)
    assert [block.text for block in one_section[1][:1]] == ["第1節の表"]  # at the sub-heading, after the text

    stacked = long_document()
    for number in (1, 2):
        stacked.add(Heading(f"第{number}節"), *section(number, 100)[2:])  # h2 directly above h3
    assert [part[0].text for part in parts(stacked, 2, minimum_weight=1)] == ["第1節", "第2節"]


def test_running_headers_take_any_title_literally():
    assert css_string('a"b\\c</style>\nd') == "a\\22 b\\5c c\\3c /style\\3e \\a d"
    html = render_html(long_document(1))
    style = html[html.index("<style>") : html.index("</style>")]
    assert "@top-left" in style and "</" not in style[1:]


def test_a_long_document_laid_out_by_two_processes_reads_as_one(in_parts):
    document = long_document(60, 60, 60, 60)

    joined = pdf.render_pdf(document)

    assert in_parts == [2]
    pages = pdf_page_texts(joined)
    total = len(pages)
    assert total >= 4
    for number, page in enumerate(pages, start=1):
        assert f"{number} / {total}" in page
        if number > 1:  # the running headers, on the second part's first page too
            assert squeeze(TITLE) in squeeze(page)
            assert "作成日 2026年12月3日・データ 2026年12月2日時点・デモデータを含む" in page
        else:  # none above the title block: the title and the date line once each
            assert squeeze(page).count(squeeze(TITLE)) == 1 and page.count("作成日") == 1
    text = pdf_text(joined)
    expected = [f"項目{number}-{row:03d}" for number in range(1, 5) for row in range(1, 61)]
    assert items(text) == expected
    assert "60,000件" in text and "デモデータ：架空の数値を含みます。" in text

    outline = pdf_outline(joined)
    assert [(depth, title) for depth, title, _page in outline] == [(0, TITLE)] + [
        entry for number in range(1, 5) for entry in ((1, f"第{number}節"), (2, f"第{number}節の表"))
    ]
    third = next(page for _depth, title, page in outline if title == "第3節")
    assert "第3節の説明文。" in pages[third]
    assert PdfReader(io.BytesIO(joined)).metadata.title == TITLE
    assert all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in pdf_page_sizes(joined))
    assert pdf_fonts(joined) and all(embedded for _, embedded in pdf_fonts(joined))


def test_two_processes_print_what_one_prints(in_parts, settings):
    document = long_document(60, 60, 60, 60)
    joined = pdf.render_pdf(document)
    settings.CHIZAI_DOCUMENT_PROCESSES = 1
    single = pdf.render_pdf(document)

    assert items(pdf_text(joined)) == items(pdf_text(single))
    assert [entry[:2] for entry in pdf_outline(joined)] == [entry[:2] for entry in pdf_outline(single)]
    # the second part starts on a page of its own: at most one page more
    assert len(pdf_page_texts(single)) <= len(pdf_page_texts(joined)) <= len(pdf_page_texts(single)) + 1


def test_the_national_compilation_in_two_processes_carries_its_figures(world, jpo_admin, in_parts):
    document = builders.compilation_document(world["tokyo"].period, jpo_admin, TODAY)

    text = squeeze(pdf_text(pdf.render_pdf(document)))

    assert in_parts == [2]
    assert "3件の項目のうち2件達成（66.7%）" in text
    assert "関東ブロック50.0%" in text and "近畿ブロック100.0%" in text


def test_a_part_reads_nothing_but_what_it_was_given():
    fetcher = pdf_parts.ResourcesOnlyFetcher(
        {"https://chizai.invalid/static/reports/document.css": pdf_parts.Resource(b"p {}", "text/css")}
    )
    assert fetcher.fetch("https://chizai.invalid/static/reports/document.css").read() == b"p {}"
    for url in ("https://example.com/x.css", "file:///etc/passwd", "https://chizai.invalid/static/other.css"):
        with pytest.raises(ValueError, match="only the resources"):
            fetcher.fetch(url)


def test_a_part_that_ends_without_a_result_fails_the_document():
    parent, child = pdf_parts.multiprocessing.Pipe()
    child.close()
    with pytest.raises(pdf_parts.PartError, match="part 2 ended without a result"):
        pdf_parts._receive(parent, "pages", 1)


def test_a_worker_has_the_part_processes_ready_before_its_first_document(settings, monkeypatch):
    started: list[bool] = []
    monkeypatch.setattr(pdf_parts, "start_fork_server", lambda: started.append(True))
    assert start_document_processes in worker_start_handlers()

    settings.CHIZAI_DOCUMENT_PROCESSES = 1
    start_document_processes()
    assert started == []  # one process: nothing to start
    settings.CHIZAI_DOCUMENT_PROCESSES = 2
    start_document_processes()
    assert started == [True]


def test_the_national_compilation_asked_for_from_its_page_is_laid_out_in_parts(world, jpo_admin, in_parts, client):
    client.force_login(jpo_admin)
    client.post(reverse("reports:compilation_request", kwargs={"period_id": world["tokyo"].period_id, "fmt": "pdf"}))
    job = DocumentJob.objects.get()
    assert job.status == DocumentStatus.DONE and in_parts == [2]

    response = client.get(reverse("reports:document_job_download", args=[job.token]))
    pages = pdf_page_texts(b"".join(response.streaming_content))
    assert [f"{number} / {len(pages)}" in page for number, page in enumerate(pages, start=1)] == [True] * len(pages)
    assert "3件の項目のうち2件達成（66.7%）" in squeeze("".join(pages))


def test_the_parts_processes_load_weasyprint_and_nothing_of_django():
    """The fork server loads only the parts' module: no settings, no database connection to inherit or break."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, chizai.reports.pdf_parts_preload; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'chizai')))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
    ).stdout
    assert loaded.strip() == str(
        ["chizai", "chizai.reports", "chizai.reports.pdf_parts", "chizai.reports.pdf_parts_preload"]
    )
