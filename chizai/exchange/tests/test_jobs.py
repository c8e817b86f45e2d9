"""Import jobs: the dry run and the apply as tasks, their progress in the database, and how each ends.

The builders here (register files as CSV and .xlsx, a job for a file) are shared with the view tests.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import time
from typing import Any

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chizai.exchange import importing, jobs
from chizai.exchange.actions import INTERRUPTED
from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.report import ImportFileError, ImportReport
from chizai.kpis.models import Kpi, Plan
from chizai.workers.actions import reap_dead_workers, start_worker
from chizai.workers.models import Worker

REGISTER_HEADER = [
    "都道府県",
    "KPI名",
    "単位",
    "形式",
    "2023年度目標",
    "2024年度目標",
    "2025年度目標",
    "産業振興ビジョン",
]
SEMINARS = ["東京都", "知財セミナーの開催回数", "回", "毎年度", "10", "10", "12", "東京都産業振興ビジョン2030"]
CONSULTATIONS = ["東京", "知財相談の件数", "件", "毎年度", "１，２００件", "1,300", "1400", ""]
BAD_SHAPE = ["東京都", "知財マッチングの件数", "件", "週ごと", "5", "5", "5", ""]


def register_csv(*rows: list[str], encoding: str = "utf-8-sig") -> bytes:
    """A KPI register as a CSV file (UTF-8 with BOM unless told), header first."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(REGISTER_HEADER)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def register_xlsx(*rows: list[str], actuals: list[list[Any]] | None = None) -> bytes:
    """A KPI register workbook (sheet KPI一覧), with an optional 実績 sheet (都道府県, KPI名, 年度, 実績)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "KPI一覧"
    sheet.append(REGISTER_HEADER)
    for row in rows:
        sheet.append(row)
    if actuals:
        figures = workbook.create_sheet("実績")
        figures.append(["都道府県", "KPI名", "年度", "実績", "評価コメント"])
        for row in actuals:
            figures.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def third_plan() -> Plan:
    return Plan.objects.create(
        number=3, name="第3次地域知財活性化行動計画", first_fiscal_year=2023, last_fiscal_year=2025
    )


def make_job(user: Any, plan: Plan, content: bytes, name: str = "登録.csv", organization: Any = None) -> ImportJob:
    """A job as the upload page leaves it: the file stored, hashed and measured, not checked yet."""
    job = ImportJob(
        user=user,
        plan=plan,
        organization=organization,
        original_name=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    job.file.save(name, ContentFile(content), save=False)
    job.save()
    return job


def tokyo_kpis(plan: Plan) -> list[str]:
    return sorted(Kpi.objects.filter(plan=plan, owner__code="pref-13").values_list("name", flat=True))


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def plan(db: None) -> Plan:
    return third_plan()


def test_it_checks_a_small_file_inline_and_writes_nothing(tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS, CONSULTATIONS))

    assert jobs.start_check(job)

    job.refresh_from_db()
    report = ImportReport.from_json(job.check_report)
    assert job.status == JobStatus.CHECKED and job.checked_at is not None
    assert report.ok and report.rows_read == 2
    new_kpis = [c.what for c in report.changes if c.action == "新規" and c.what.endswith("（KPI）")]
    assert len(new_kpis) == 2 and "知財セミナーの開催回数" in new_kpis[0]
    assert report.counts["KPI 新規"] == 2 and report.counts["目標 新規"] == 6
    assert tokyo_kpis(plan) == []
    assert job.rows_done == 2


def test_it_applies_a_clean_check_and_refuses_a_second_apply(tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS, CONSULTATIONS))
    jobs.start_check(job)
    job.refresh_from_db()

    assert jobs.start_apply(job)
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED and job.applied_at is not None
    assert ImportReport.from_json(job.apply_report).applied
    assert tokyo_kpis(plan) == ["知財セミナーの開催回数", "知財相談の件数"]

    assert not jobs.start_apply(job)
    assert not jobs.start_check(job)
    assert Kpi.objects.filter(plan=plan).count() == 2


def test_it_keeps_the_problems_of_a_checked_file_with_their_rows(tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS, BAD_SHAPE))

    jobs.start_check(job)

    job.refresh_from_db()
    report = ImportReport.from_json(job.check_report)
    assert job.status == JobStatus.CHECKED
    assert [(p.row, p.column) for p in report.problems] == [(3, "形式")]
    assert "週ごと" in report.problems[0].message
    assert not jobs.start_check(job)  # a checked job is not checked twice


def test_an_apply_refused_for_stale_data_goes_back_to_checked_with_the_problem(tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    jobs.start_check(job)
    job.refresh_from_db()
    job.check_report = {**job.check_report, "fingerprint": "someone-changed-the-data-since"}
    job.save()

    jobs.start_apply(job)

    job.refresh_from_db()
    report = ImportReport.from_json(job.check_report)
    assert job.status == JobStatus.CHECKED and job.apply_report is None
    assert [p.message for p in report.problems] == [importing.STALE_MESSAGE]
    assert tokyo_kpis(plan) == []


def test_an_unreadable_file_fails_with_the_readers_japanese_message(tokyo_editor, plan, monkeypatch):
    def unreadable(**kwargs: Any) -> ImportReport:
        raise ImportFileError("ファイルが壊れているため読み取れません。")

    monkeypatch.setattr(importing, "run_import", unreadable)
    job = make_job(tokyo_editor, plan, b"PK\x03\x04broken", name="壊れた.xlsx")

    jobs.start_check(job)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.failure == "ファイルが壊れているため読み取れません。"


def test_an_unexpected_error_fails_with_a_generic_message_and_is_logged(tokyo_editor, plan, monkeypatch, caplog):
    def broken(**kwargs: Any) -> ImportReport:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(importing, "run_import", broken)
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))

    jobs.start_check(job)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.failure == jobs.UNEXPECTED_FAILURE
    assert "disk on fire" not in job.failure
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)


def test_progress_is_written_to_the_job_row_while_the_run_goes_on(tokyo_editor, plan, monkeypatch):
    """Every web server reads the same progress: the job's row, written from the run's own progress thread."""
    written: list[int] = []

    def slow_import(**kwargs: Any) -> ImportReport:
        for rows in (1000, 2000, 12000):
            kwargs["progress"](rows)
            deadline = time.monotonic() + 5
            while (not written or written[-1] != rows) and time.monotonic() < deadline:
                time.sleep(0.01)
        return ImportReport(rows_read=12000)

    def record(*, job: ImportJob, rows: int) -> None:
        written.append(rows)

    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0.01)
    monkeypatch.setattr(jobs, "record_import_progress", record)
    monkeypatch.setattr(importing, "run_import", slow_import)
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))

    jobs.start_check(job)

    assert written == [1000, 2000, 12000]
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.rows_done == 12000


def test_a_check_is_queued_as_a_task_named_on_the_job(tokyo_editor, plan, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))

    assert jobs.start_check(job)

    job.refresh_from_db()
    task_result = DBTaskResult.objects.get(pk=job.task_id)
    assert job.status == JobStatus.CHECKING and job.worker_id == "" and job.check_report is None
    assert task_result.status == "READY" and task_result.task_path == "chizai.exchange.jobs.run_import_job"
    assert task_result.args_kwargs == {"args": [job.pk, False], "kwargs": {}}
    assert not jobs.start_check(job)  # one claim, one task
    assert DBTaskResult.objects.count() == 1


def test_a_run_whose_worker_died_says_interrupted_at_once_and_can_be_run_again(tokyo_editor, plan, client):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    start_worker(worker_id="host-1")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKING, worker_id="host-1")

    start_worker(worker_id="host-1")  # the same worker starts again: its earlier process is gone

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.can_retry and "中断" in job.failure
    client.force_login(tokyo_editor)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "取込は中断されました" in page and "データは何も変更されていません" in page and "もう一度実行" in page
    assert tokyo_kpis(plan) == []

    client.post(f"/imports/{job.pk}/retry/")

    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED and job.failure == "" and not job.can_retry
    assert ImportReport.from_json(job.check_report).rows_read == 1


def test_an_interrupted_apply_is_retried_as_an_apply_of_the_same_check(tokyo_editor, plan, client):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS, CONSULTATIONS))
    jobs.start_check(job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, failure=INTERRUPTED, interrupted_at=timezone.now()
    )
    client.force_login(tokyo_editor)

    client.post(f"/imports/{job.pk}/retry/")

    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED
    assert tokyo_kpis(plan) == ["知財セミナーの開催回数", "知財相談の件数"]


def test_only_an_interrupted_job_is_retried_and_only_by_its_own_user(tokyo_editor, osaka_editor, plan, client):
    failed = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    ImportJob.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, failure="壊れたファイルです。")
    interrupted = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    ImportJob.objects.filter(pk=interrupted.pk).update(
        status=JobStatus.FAILED, failure=INTERRUPTED, interrupted_at=timezone.now()
    )

    client.force_login(tokyo_editor)
    client.post(f"/imports/{failed.pk}/retry/")
    client.force_login(osaka_editor)
    refused = client.post(f"/imports/{interrupted.pk}/retry/")

    assert refused.status_code == 404
    assert ImportJob.objects.get(pk=failed.pk).status == JobStatus.FAILED
    assert ImportJob.objects.get(pk=interrupted.pk).status == JobStatus.FAILED


def test_a_page_showing_a_run_whose_worker_stopped_beating_reports_it_interrupted(tokyo_editor, plan, client, settings):
    """No worker left to notice (all were killed): the page itself declares the silent worker dead."""
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    start_worker(worker_id="host-2")
    Worker.objects.filter(worker_id="host-2").update(last_seen_at=timezone.now() - datetime.timedelta(minutes=1))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.APPLYING, worker_id="host-2")

    client.force_login(tokyo_editor)
    page = client.get(f"/imports/{job.pk}/").content.decode()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.interrupted_at is not None
    assert "取込は中断されました" in page
    assert not Worker.objects.filter(worker_id="host-2").exists()


def test_a_running_job_whose_worker_beats_is_left_alone(tokyo_editor, plan, client):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    start_worker(worker_id="host-3")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.APPLYING, worker_id="host-3", rows_done=40)

    client.force_login(tokyo_editor)
    page = client.get(f"/imports/{job.pk}/").content.decode()

    job.refresh_from_db()
    assert job.status == JobStatus.APPLYING and "40行 処理済み" in page
    assert reap_dead_workers() == []
