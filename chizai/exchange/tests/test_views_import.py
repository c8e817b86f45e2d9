"""The import pages through HTTP: who may upload, see and apply a job; the dry-run report; apply once."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chizai.audit.models import AuditEntry
from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.tests import hostile
from chizai.exchange.tests.test_jobs import (
    BAD_SHAPE,
    CONSULTATIONS,
    SEMINARS,
    make_job,
    register_csv,
    register_xlsx,
    third_plan,
    tokyo_kpis,
)
from chizai.kpis.models import Actual, Evaluation, Kpi, Plan, Target
from chizai.testing import NAVIGATION_QUERIES
from chizai.workers.actions import start_worker

LIST = reverse("exchange:import_list")


def plan_data_sizes() -> dict[str, int]:
    """Rows of everything an import writes (audit entries of data changes, not of the upload itself)."""
    sizes = {model.__name__: model.objects.count() for model in (Kpi, Target, Actual, Evaluation)}
    sizes["AuditEntry"] = AuditEntry.objects.exclude(action="exchange.import.uploaded").count()
    return sizes


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def plan(db: None) -> Plan:
    return third_plan()


def upload(client: Any, content: bytes, name: str = "東京都KPI.csv", **data: Any) -> Any:
    plan = data.pop("plan", Plan.objects.order_by("-number").first())
    fields = {"plan": plan.pk, "organization": "", **data}
    return client.post(LIST, {"file": SimpleUploadedFile(name, content), **fields})


def detail(job: ImportJob) -> str:
    return reverse("exchange:import_detail", args=[job.pk])


def apply_url(job: ImportJob) -> str:
    return reverse("exchange:import_apply", args=[job.pk])


def text(response: Any) -> str:
    return response.content.decode()


def test_anonymous_users_are_sent_to_log_in(client, plan):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_editor_gets_the_form_with_the_latest_plan_and_own_organisation_chosen(client, login, tokyo_editor, plan):
    Plan.objects.create(number=2, name="第2次地域知財活性化行動計画", first_fiscal_year=2020, last_fiscal_year=2022)

    form = login(client, tokyo_editor).get(LIST).context["form"]

    assert form["plan"].value() == plan.pk
    assert form["organization"].value() == tokyo_editor.memberships.get().organization_id
    assert [label for _, label in form.fields["organization"].choices][1:] == ["東京都"]
    page = text(client.get(LIST))
    assert 'accept=".xlsx,.csv,.txt"' in page
    assert reverse("exchange:import_template", kwargs={"kind": "register", "fmt": "xlsx"}) in page


def test_a_viewer_gets_an_explanation_and_cannot_upload(client, login, tokyo_viewer, plan):
    login(client, tokyo_viewer)

    page = client.get(LIST)
    refused = upload(client, register_csv(SEMINARS))

    assert page.context["form"] is None and "取り込める関係主体がありません" in text(page)
    assert refused.status_code == 403
    assert not ImportJob.objects.exists()


def test_an_editor_cannot_choose_another_prefecture_as_target(client, login, tokyo_editor, org, plan):
    response = upload(login(client, tokyo_editor), register_csv(SEMINARS), organization=org("pref-27").pk)

    assert response.status_code == 400
    assert "この関係主体には取り込めません。" in text(response)
    assert not ImportJob.objects.exists()


def test_an_upload_is_stored_hashed_and_its_problems_are_located_without_writing(client, login, tokyo_editor, plan):
    content = register_csv(SEMINARS, BAD_SHAPE)

    response = upload(login(client, tokyo_editor), content, organization=tokyo_editor.memberships.get().organization_id)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(job)
    assert (job.sha256, job.size, job.original_name) == (
        hashlib.sha256(content).hexdigest(),
        len(content),
        "東京都KPI.csv",
    )
    assert job.file.read() == content
    assert job.organization.code == "pref-13" and job.status == JobStatus.CHECKED
    page = text(client.get(detail(job)))
    assert "<h1>取込：東京都KPI.csv</h1>" in page
    assert job.sha256 in page
    assert '<td class="num">3行目</td><td>形式</td>' in page and "週ごと" in page
    assert "この内容で反映する" not in page
    assert tokyo_kpis(plan) == []


def test_a_good_file_is_shown_then_applied_and_audited_with_its_name(client, login, tokyo_editor, plan):
    login(client, tokyo_editor)
    upload(
        client,
        register_xlsx(SEMINARS, CONSULTATIONS, actuals=[["東京都", "知財セミナーの開催回数", "令和5年度", "12回"]]),
        name="登録2025.xlsx",
    )
    job = ImportJob.objects.get()

    dry_run = text(client.get(detail(job)))
    assert "反映される変更" in dry_run and "知財セミナーの開催回数" in dry_run and "知財相談の件数" in dry_run
    assert "この内容で反映する" in dry_run
    assert tokyo_kpis(plan) == [] and not AuditEntry.objects.filter(reason__contains="登録2025.xlsx").exists()

    response = client.post(apply_url(job), follow=True)

    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED
    assert "反映しました" in text(response)
    assert reverse("kpis:organization_detail", args=["pref-13"]) in text(response)
    assert tokyo_kpis(plan) == ["知財セミナーの開催回数", "知財相談の件数"]
    seminars = Kpi.objects.get(plan=plan, name="知財セミナーの開催回数")
    assert Actual.objects.get(kpi=seminars, start_year=2023).value == 12
    audited = AuditEntry.objects.filter(reason__contains="登録2025.xlsx")
    assert audited.filter(reason__contains=job.sha256).count() >= 2 + 6 + 1


def test_a_second_apply_is_refused_and_changes_nothing(client, login, tokyo_editor, plan):
    login(client, tokyo_editor)
    upload(client, register_csv(SEMINARS))
    job = ImportJob.objects.get()
    client.post(apply_url(job))
    entries = AuditEntry.objects.count()

    response = client.post(apply_url(job), follow=True)

    assert "この取込はすでに反映済みです" in text(response)
    assert AuditEntry.objects.count() == entries
    assert Kpi.objects.filter(plan=plan).count() == 1


def test_a_check_with_problems_cannot_be_applied(client, login, tokyo_editor, plan):
    login(client, tokyo_editor)
    upload(client, register_csv(SEMINARS, BAD_SHAPE))
    job = ImportJob.objects.get()

    response = client.post(apply_url(job), follow=True)

    assert "確認結果に問題があるため反映できません" in text(response)
    assert ImportJob.objects.get().status == JobStatus.CHECKED and tokyo_kpis(plan) == []


def test_re_uploading_an_applied_file_says_when_it_was_applied(client, login, tokyo_editor, plan):
    login(client, tokyo_editor)
    content = register_csv(SEMINARS)
    upload(client, content)
    first = ImportJob.objects.get()
    client.post(apply_url(first))
    first.refresh_from_db()

    upload(client, content, name="もう一度.csv")

    again = ImportJob.objects.exclude(pk=first.pk).get()
    page = text(client.get(detail(again)))
    applied = timezone.localtime(first.applied_at)  # the page's day is Tokyo's, whatever the clock says in UTC
    assert f"このファイルは {applied.year}年{applied.month}月{applied.day}日 に反映済みです" in page
    assert "反映しても変更はありません" in page
    assert "このファイルは" not in text(client.get(detail(first)))


def test_only_the_uploader_and_jpo_see_a_job(client, login, tokyo_editor, osaka_editor, jpo_viewer, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))

    assert login(client, osaka_editor).get(detail(job)).status_code == 404
    assert client.get(reverse("exchange:import_progress", args=[job.pk])).status_code == 404
    assert client.post(apply_url(job)).status_code == 404
    assert login(client, jpo_viewer).get(detail(job)).status_code == 200
    assert job.original_name in text(client.get(LIST))


def test_jpo_sees_every_job_but_only_the_uploader_applies(client, login, tokyo_editor, jpo_admin, plan):
    login(client, tokyo_editor)
    upload(client, register_csv(SEMINARS))
    job = ImportJob.objects.get()

    login(client, jpo_admin)
    assert "この内容で反映する" not in text(client.get(detail(job)))
    assert client.post(apply_url(job)).status_code == 403
    assert ImportJob.objects.get().status == JobStatus.CHECKED


def test_an_oversize_file_is_refused_with_a_japanese_error_and_nothing_saved(
    client, login, tokyo_editor, plan, settings, media_root
):
    settings.CHIZAI_IMPORT_MAX_BYTES = 100
    response = upload(login(client, tokyo_editor), register_csv(SEMINARS, CONSULTATIONS))

    assert response.status_code == 400
    assert "ファイルが大きすぎます" in text(response)
    assert not ImportJob.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


@pytest.mark.parametrize(
    ("build", "name", "message"),
    [
        (
            lambda path: hostile.zip_bomb_xlsx(path, uncompressed_mb=32, compresslevel=9),
            "KPI一覧.xlsx",
            "異常に大きく展開される",
        ),
        (hostile.truncated_xlsx, "KPI一覧.xlsx", "ファイルが壊れているか、途中で切れています"),
        (hostile.xls_file, "KPI一覧.xls", "Excel 97-2003形式（.xls）は読み込めません。"),
        (hostile.pdf_renamed, "KPI一覧.xlsx", "PDFファイルのようです。"),
    ],
)
def test_a_hostile_file_shows_its_japanese_message_and_writes_nothing(
    client, login, tokyo_editor, plan, tmp_path, build, name, message
):
    content = build(tmp_path / name).read_bytes()
    before = plan_data_sizes()

    upload(login(client, tokyo_editor), content, name=name)

    job = ImportJob.objects.get()
    page = text(client.get(detail(job)))
    assert message in page
    assert "この内容で反映する" not in page
    assert plan_data_sizes() == before


def test_the_progress_partial_shows_rows_done_and_stops_polling_when_done(client, login, tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    start_worker(worker_id="w1")  # alive: its heartbeat is fresh
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKING, worker_id="w1", rows_done=12000)
    url = reverse("exchange:import_progress", args=[job.pk])
    login(client, tokyo_editor)

    running = client.get(url, headers={"HX-Request": "true"})
    page = text(client.get(detail(job)))

    assert "12,000行 処理済み" in text(running) and 'hx-trigger="every 1s"' in text(running)
    assert "HX-Refresh" not in running
    assert "12,000行 処理済み" in page and 'role="status"' in page and "<progress" in page
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKED)
    done = client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in text(done) and done["HX-Refresh"] == "true"


def test_a_failed_job_shows_its_message(client, login, tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, failure="文字コードを判別できません（5行目）。")

    page = text(login(client, tokyo_editor).get(detail(job)))

    assert "文字コードを判別できません（5行目）。" in page and "この内容で反映する" not in page


def test_the_list_page_needs_the_same_queries_for_few_or_many_jobs(client, login, jpo_admin, tokyo_editor, plan):
    login(client, jpo_admin)
    make_job(tokyo_editor, plan, register_csv(SEMINARS))
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(15):
        make_job(tokyo_editor, plan, register_csv(SEMINARS))
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST)

    assert len(many) == len(few) <= 11 + NAVIGATION_QUERIES
    assert text(page).count("tokyo_editor") >= 16


def test_the_admin_lists_jobs_read_only(client, admin_user, tokyo_editor, plan):
    job = make_job(tokyo_editor, plan, register_csv(SEMINARS))
    client.force_login(admin_user)

    listing = client.get(reverse("admin:exchange_importjob_changelist"))
    change = client.get(reverse("admin:exchange_importjob_change", args=[job.pk]))

    assert listing.status_code == 200 and job.original_name in text(listing)
    assert change.status_code == 200 and 'name="_save"' not in text(change)
    assert client.get(reverse("admin:exchange_importjob_add")).status_code == 403


def test_the_list_pages_filters_and_searches_the_jobs(client, login, jpo_admin, tokyo_editor, osaka_editor, plan):
    for number in range(55):
        make_job(tokyo_editor, plan, register_csv(SEMINARS), name=f"東京都KPI{number:02d}.csv")
    make_job(osaka_editor, plan, register_csv(SEMINARS), name="大阪府KPI.csv")
    login(client, jpo_admin)
    first = client.get(LIST)
    assert "56件中 1–50件" in text(first) and len(first.context["paged"].items) == 50
    assert [job.original_name for job in client.get(LIST + "?q=大阪").context["paged"].items] == ["大阪府KPI.csv"]
    assert client.get(LIST + "?q=osaka_editor").context["paged"].count == 1
    assert client.get(LIST + "?status=applied").context["paged"].count == 0
    assert client.get(LIST + "?status=nonsense&page=999").context["paged"].count == 56

    login(client, osaka_editor)  # a filter never shows another user's jobs
    assert client.get(LIST + "?q=東京都").context["paged"].count == 0
    assert client.get(LIST + "?q=tokyo_editor").context["paged"].count == 0
