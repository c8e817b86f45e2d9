"""The national compilation is made by a task (run at once in the tests, as the suite's ImmediateBackend does):
asked for from its page, stored under the uploads directory, downloaded by its owner only, the download recorded."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chizai.audit.models import AuditEntry
from chizai.reports.actions import expire_document_files, interrupt_document_jobs
from chizai.reports.models import DocumentJob, DocumentStatus
from chizai.reports.templatetags.reports_jobs import RECENT_JOBS
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


# --- retention: old files are deleted, the job says 期限切れ and offers to make it again ---------------------------


def _made(user, *, days_ago: float, fmt: str = "pdf", period_id: int | None = None) -> DocumentJob:
    """A made document whose file exists under the uploads directory, finished `days_ago` days ago."""
    job = DocumentJob.objects.create(
        user=user, kind="compilation", fmt=fmt, title="取りまとめ_テスト", status="done", period_id=period_id
    )
    job.file.save(f"{job.token}.{fmt}", ContentFile(b"%PDF-1.7 test"), save=False)
    job.finished_at = timezone.now() - datetime.timedelta(days=days_ago)
    job.download_name = f"取りまとめ_テスト.{fmt}"
    job.save()
    return job


def test_a_file_past_its_retention_is_deleted_and_a_newer_one_kept(world, jpo_admin, settings):
    settings.CHIZAI_DOCUMENT_RETENTION_DAYS = 7
    old, new = _made(jpo_admin, days_ago=8), _made(jpo_admin, days_ago=6)
    old_path, new_path = Path(old.file.path), Path(new.file.path)

    out = io.StringIO()
    call_command("expire_documents", stdout=out)

    assert "1件" in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert not old_path.exists() and old.status == DocumentStatus.EXPIRED and not old.file
    assert new_path.exists() and new.status == DocumentStatus.DONE and new.file
    assert expire_document_files() == 0  # idempotent: nothing more to delete


def test_the_download_of_an_expired_document_says_so_and_offers_to_make_it_again(world, jpo_admin):
    period_id = world["tokyo"].period_id
    job = _made(jpo_admin, days_ago=30, period_id=period_id)
    assert expire_document_files(days=7) == 1
    client = client_for(jpo_admin)

    response = client.get(reverse("reports:document_job_download", args=[job.token]))
    assert response.status_code == 410
    assert "期限切れ" in response.text and "保存期間（作成から7日）を過ぎたため削除されました" in response.text
    again = reverse("reports:compilation_request", kwargs={"period_id": period_id, "fmt": "pdf"})
    assert again in response.text and "もう一度作成" in response.text
    page = client.get(reverse("reports:document_job", args=[job.token]))
    assert "期限切れ" in page.text and again in page.text
    assert reverse("reports:document_job_download", args=[job.token]) not in page.text
    assert not AuditEntry.objects.filter(action="reports.document.downloaded", object_id=str(job.pk)).exists()


def test_a_made_document_whose_file_is_gone_gives_a_message_not_an_error(world, jpo_admin):
    job = _made(jpo_admin, days_ago=1, period_id=world["tokyo"].period_id)
    Path(job.file.path).unlink()

    response = client_for(jpo_admin).get(reverse("reports:document_job_download", args=[job.token]))

    assert response.status_code == 410 and "ファイルが見つかりません" in response.text


# --- the compilation page lists the user's own earlier documents ------------------------------------------------


def _compilation_page(user, period_id: int):
    return client_for(user).get(reverse("pdca:compilation", args=[period_id]))


def test_the_compilation_page_lists_the_users_own_documents_newest_first(world, jpo_admin, jpo_viewer):
    period_id = world["tokyo"].period_id
    done = _made(jpo_admin, days_ago=2, period_id=period_id)
    expired = _made(jpo_admin, days_ago=30, period_id=period_id, fmt="docx")
    expire_document_files(days=7)
    running = DocumentJob.objects.create(
        user=jpo_admin, kind="compilation", fmt="pdf", title="取りまとめ_作成中", status="running"
    )
    failed = DocumentJob.objects.create(
        user=jpo_admin, kind="compilation", fmt="pdf", title="取りまとめ_中断", status="failed"
    )
    theirs = DocumentJob.objects.create(user=jpo_viewer, kind="compilation", fmt="pdf", title="他人の取りまとめ")
    DocumentJob.objects.filter(pk=done.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    DocumentJob.objects.filter(pk=expired.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))

    page = _compilation_page(jpo_admin, period_id).text

    listed = page[page.index("これまでに作成を依頼した帳票") :]
    assert "他人の取りまとめ" not in page and str(theirs.token) not in page
    positions = [listed.index(reverse("reports:document_job", args=[job.token])) for job in (failed, running, done)]
    positions.append(listed.index(reverse("reports:document_job", args=[expired.token])))
    assert positions == sorted(positions)  # newest first
    for label in ("作成中", "完成", "中断", "期限切れ"):
        assert f">{label}</span>" in listed
    assert reverse("reports:document_job_download", args=[done.token]) in listed
    assert reverse("reports:document_job_download", args=[expired.token]) not in listed
    assert timezone.localtime(done.created_at).strftime("%H:%M:%S") in listed  # 作成日時 with seconds (ymd_hms)
    assert "他人の取りまとめ" in _compilation_page(jpo_viewer, period_id).text


def test_the_list_of_documents_costs_the_same_queries_however_many_there_are(world, jpo_admin):
    period_id = world["tokyo"].period_id
    _made(jpo_admin, days_ago=1, period_id=period_id)
    _compilation_page(jpo_admin, period_id)  # warm: the session, caches
    with CaptureQueriesContext(connection) as one:
        _compilation_page(jpo_admin, period_id)
    for day in range(2, 2 + RECENT_JOBS + 5):
        _made(jpo_admin, days_ago=day, period_id=period_id)
    with CaptureQueriesContext(connection) as many:
        page = _compilation_page(jpo_admin, period_id)

    assert len(many) == len(one)
    assert page.text.count(">完成</span>") == RECENT_JOBS  # bounded
