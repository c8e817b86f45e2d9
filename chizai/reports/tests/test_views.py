"""Downloads go through the page's permission getter: a body downloads its own 自己評価票, never another's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from chizai.reports.pdf import BASE_URL, StaticOnlyFetcher
from chizai.reports.tests.readback import docx_text, pdf_text, squeeze


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_evaluation_page_offers_word_and_pdf(world, tokyo_viewer):
    page = client_for(tokyo_viewer).get(reverse("pdca:evaluation_detail", args=[world["tokyo"].pk]))

    for fmt in ("docx", "pdf"):
        assert reverse("reports:self_evaluation", kwargs={"pk": world["tokyo"].pk, "fmt": fmt}) in page.text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_a_prefecture_downloads_its_own_self_evaluation(world, tokyo_viewer, fmt):
    response = client_for(tokyo_viewer).get(
        reverse("reports:self_evaluation", kwargs={"pk": world["tokyo"].pk, "fmt": fmt})
    )

    assert response.status_code == 200
    assert response["Content-Type"] in (
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert f".{fmt}" in response["Content-Disposition"] and "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content) if fmt == "pdf" else docx_text(response.content)
    assert "1,234件" in squeeze(text)


def test_a_prefecture_cannot_download_another_prefectures_self_evaluation(world, tokyo_editor):
    for fmt in ("docx", "pdf"):
        url = reverse("reports:self_evaluation", kwargs={"pk": world["osaka"].pk, "fmt": fmt})
        assert client_for(tokyo_editor).get(url).status_code == 404


def test_a_prefecture_cannot_download_a_compilation(world, tokyo_editor):
    url = reverse("reports:compilation", kwargs={"period_id": world["tokyo"].period_id, "fmt": "docx"})

    assert client_for(tokyo_editor).get(url).status_code == 403


def test_a_reviewer_downloads_the_block_compilation_offered_on_its_page(world, kanto_reviewer):
    client = client_for(kanto_reviewer)
    page = client.get(reverse("pdca:compilation", args=[world["tokyo"].period_id]))
    url = reverse("reports:compilation", kwargs={"period_id": world["tokyo"].period_id, "fmt": "pdf"})

    assert url in page.text
    assert "2件の項目のうち1件達成（50.0%）" in squeeze(pdf_text(client.get(url).content))


def test_anonymous_visitors_are_sent_to_login(world):
    response = Client().get(reverse("reports:self_evaluation", kwargs={"pk": world["tokyo"].pk, "fmt": "pdf"}))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_pdf_fetcher_reads_our_static_files_and_nothing_else():
    fetcher = StaticOnlyFetcher()

    assert b"@page" in fetcher.fetch(BASE_URL + "static/reports/document.css").read()
    for url in (
        "https://example.com/x.css",
        "file:///etc/passwd",
        BASE_URL + "static/../../settings.py",
        BASE_URL + "admin/",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
