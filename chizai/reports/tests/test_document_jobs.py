"""The national compilation is made by a task (run at once in the tests, as the suite's ImmediateBackend does):
asked for from its page, stored under the uploads directory, downloaded by its owner only, the download recorded."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.reports.actions import interrupt_document_jobs
from chizai.reports.models import DocumentJob, DocumentStatus
from chizai.reports.tests.readback import docx_text, pdf_text, squeeze


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request(client: Client, period_id: int, fmt: str) -> DocumentJob:
    response = client.post(reverse("reports:compilation_request", kwargs={"period_id": period_id, "fmt": fmt}))
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:document_job", args=[job.token])
    return job


def test_the_national_page_asks_for_the_document_instead_of_making_it_in_the_request(world, jpo_admin):
    page = client_for(jpo_admin).get(reverse("pdca:compilation", args=[world["tokyo"].period_id]))

    assert reverse("reports:compilation_request", kwargs={"period_id": world["tokyo"].period_id, "fmt": "pdf"}) in (
        page.text
    )
    assert reverse("reports:compilation", kwargs={"period_id": world["tokyo"].period_id, "fmt": "pdf"}) not in page.text


def test_the_task_makes_the_national_compilation_and_its_owner_downloads_it(world, jpo_admin):
    client = client_for(jpo_admin)
    for fmt in ("pdf", "docx"):
        DocumentJob.objects.all().delete()
        job = _request(client, world["tokyo"].period_id, fmt)
        assert job.status == DocumentStatus.DONE and job.file.name.startswith("documents/")

        page = client.get(reverse("reports:document_job", args=[job.token]))
        download = reverse("reports:document_job_download", args=[job.token])
        assert "作成しました" in page.text and download in page.text
        response = client.get(download)
        content = b"".join(response.streaming_content)
        text = squeeze(pdf_text(content) if fmt == "pdf" else docx_text(content))
        assert "自己評価の取りまとめ（全国）" in text and "2件の項目のうち1件達成（50.0%）" in text
        assert f".{fmt}" in response["Content-Disposition"] and "attachment" in response["Content-Disposition"]
        assert AuditEntry.objects.filter(action="reports.document.downloaded", object_id=str(job.pk)).exists()


def test_another_user_cannot_see_or_download_the_document(world, jpo_admin, jpo_viewer, kanto_reviewer):
    job = _request(client_for(jpo_admin), world["tokyo"].period_id, "docx")

    for user in (jpo_viewer, kanto_reviewer):
        client = client_for(user)
        for name in ("reports:document_job", "reports:document_job_progress", "reports:document_job_download"):
            assert client.get(reverse(name, args=[job.token])).status_code == 404, (name, user)


def test_a_prefecture_cannot_ask_for_a_compilation(world, tokyo_editor):
    url = reverse("reports:compilation_request", kwargs={"period_id": world["tokyo"].period_id, "fmt": "pdf"})

    assert client_for(tokyo_editor).post(url).status_code == 403
    assert not DocumentJob.objects.exists()


def test_a_running_document_shows_its_stage_and_an_interrupted_one_says_why(world, jpo_admin):
    job = DocumentJob.objects.create(
        user=jpo_admin,
        kind="compilation",
        fmt="pdf",
        title="取りまとめ",
        status="running",
        stage="レイアウト中",
        worker_id="w1",
    )
    client = client_for(jpo_admin)
    progress = client.get(reverse("reports:document_job_progress", args=[job.token]))
    assert "作成中" in progress.text and "レイアウト中" in progress.text and "every 2s" in progress.text

    assert interrupt_document_jobs(worker_ids=["w1"]) == 1
    page = client.get(reverse("reports:document_job", args=[job.token]))
    assert "中断されました" in page.text
    assert reverse("reports:document_job_download", args=[job.token]) not in page.text
