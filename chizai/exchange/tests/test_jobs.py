"""Import jobs: the dry run and the apply, inline and in a background thread, and how each ends.

The builders here (register files as CSV and .xlsx, a job for a file) are shared with the view tests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from chizai.exchange import importing, jobs
from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.report import ImportFileError, ImportReport
from chizai.kpis.models import Kpi, Plan

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
    assert jobs.rows_done(job) == 2


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


def test_progress_is_written_to_the_cache_not_the_database(tokyo_editor, plan, monkeypatch):
    seen: list[tuple[int, str]] = []

    def slow_import(**kwargs: Any) -> ImportReport:
        for rows in (1000, 2000, 12000):
            kwargs["progress"](rows)
            seen.append((jobs.rows_done(job), ImportJob.objects.get(pk=job.pk).status))
        return ImportReport(rows_read=12000)

    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(importing, "run_import", slow_import)
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))

    jobs.start_check(job)

    assert seen == [(1000, JobStatus.CHECKING), (2000, JobStatus.CHECKING), (12000, JobStatus.CHECKING)]
    assert cache.get(job.progress_key) == 12000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_big_file_is_checked_and_applied_in_a_background_thread(settings, media_root):
    from django.contrib.auth import get_user_model

    settings.CHIZAI_IMPORT_INLINE_BYTES = 0
    plan = third_plan()
    user = get_user_model().objects.get(username="tokyo_editor")
    job = make_job(user, plan, register_csv(SEMINARS, CONSULTATIONS))

    assert jobs.start_check(job)
    assert ImportJob.objects.get(pk=job.pk).status in (JobStatus.CHECKING, JobStatus.CHECKED)
    jobs.wait_for(job, timeout=30)
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    assert ImportReport.from_json(job.check_report).rows_read == 2

    assert jobs.start_apply(job)
    jobs.wait_for(job, timeout=30)
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED
    assert tokyo_kpis(plan) == ["知財セミナーの開催回数", "知財相談の件数"]
    assert jobs.rows_done(job) == 2


def test_a_run_that_stopped_beating_is_reported_as_interrupted_not_left_polling(tokyo_editor, plan, client):
    """A server restart kills the importing thread; its page must say so instead of showing progress forever."""
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKING)
    job.refresh_from_db()
    cache.set(f"{job.progress_key}:beat", 0)  # the last heartbeat was long ago

    client.force_login(tokyo_editor)
    response = client.get(f"/imports/{job.pk}/")

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "中断されました" in response.content.decode()
    assert tokyo_kpis(plan) == []


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.APPLYING)
    job.refresh_from_db()
    cache.set(f"{job.progress_key}:beat", time.time())

    assert not jobs.interrupt_if_stale(job)
    job.refresh_from_db()
    assert job.status == JobStatus.APPLYING
