"""Import pages: upload, the dry-run report with its progress, and applying it.

A job is seen by the user who uploaded it and by JPO (sees everything); to everyone else it does not exist (404).
Only its own user applies it, and only once, from a dry run without problems.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from chizai.exchange import jobs
from chizai.exchange.access import can_apply_import, get_import_job_for_user
from chizai.exchange.forms import ImportJobFilterForm, UploadForm, editable_organizations
from chizai.exchange.models import ImportJob, JobStatus
from chizai.exchange.report import ImportReport
from chizai.organizations.permissions import primary_organization, sees_everything
from chizai.paging import paginate
from chizai.workers.health import tasks_can_run

RUNNING = (JobStatus.CHECKING, JobStatus.APPLYING)
UNCHANGED = "変更なし"
COUNT_ACTIONS = ("新規", "更新", UNCHANGED)


def _job_for_user(user: Any, pk: int, *, write: bool = False) -> ImportJob:
    job = get_import_job_for_user(user, pk, write=write)
    if jobs.interrupt_if_worker_dead(job):
        job = get_import_job_for_user(user, pk, write=write)
    return job


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    can_import = bool(editable_organizations(request.user))
    form = None
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied("取り込める関係主体がありません。")
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            job = form.create_job(user=request.user)
            jobs.start_check(job)
            return redirect("exchange:import_detail", pk=job.pk)
    elif can_import:
        form = UploadForm(user=request.user)
    context = {
        "form": form,
        "can_import": can_import,
        **_job_list(request),
        "sees_everything": sees_everything(request.user),
        "template_links": _template_links(),
    }
    return render(request, "exchange/import_list.html", context, status=400 if form and form.errors else 200)


def _job_list(request: HttpRequest) -> dict[str, Any]:
    """The jobs the user sees, filtered and one page at a time; the reports (large JSON) stay unread."""
    filter_form = ImportJobFilterForm(request.GET or None)
    visible = ImportJob.objects.visible_to(request.user).defer("check_report", "apply_report", "failure")
    found = filter_form.filter(visible).order_by("-created_at", "-pk")
    return {"filter_form": filter_form, "paged": paginate(request, found), "filtered": bool(filter_form.has_changed())}


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request.user, pk)
    return render(request, "exchange/import_detail.html", _detail_context(request, job))


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request.user, pk)
    context = {"job": job, "rows_done": job.rows_done, "workers_ok": tasks_can_run()}
    response = render(request, "exchange/_progress.html", context)
    if job.status not in RUNNING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the run is over: reload the page to show its report
    return response


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request.user, pk, write=True)
    report = ImportReport.from_json(job.check_report) if job.check_report else None
    if job.status == JobStatus.APPLIED:
        messages.error(request, "この取込はすでに反映済みです。同じ内容を反映し直す必要はありません。")
    elif job.status != JobStatus.CHECKED or report is None or not report.ok:
        messages.error(request, "確認が終わっていないか、確認結果に問題があるため反映できません。")
    elif not jobs.start_apply(job):
        messages.error(request, "この取込はすでに反映の処理が始まっています。")
    return redirect("exchange:import_detail", pk=job.pk)


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Run an interrupted job's cut-off step again (nothing was written by the run its worker's death ended)."""
    job = _job_for_user(request.user, pk, write=True)
    if not can_apply_import(request.user, job):
        raise PermissionDenied("この取込をやり直せるのは、取り込んだ本人だけです。")
    if not jobs.retry(job, user=request.user):
        messages.error(request, "この取込は中断されていないか、すでにやり直しが始まっています。")
    return redirect("exchange:import_detail", pk=job.pk)


def _template_links() -> list[tuple[str, str]]:
    """Links to the blank registers (written by the export pages); none until those pages exist."""
    links = []
    for kind, kind_label in (("register", "KPI一覧（登録）"), ("actuals", "実績")):
        for fmt, fmt_label in (("xlsx", "Excel"), ("csv", "CSV")):
            try:
                url = reverse("exchange:import_template", kwargs={"kind": kind, "fmt": fmt})
            except NoReverseMatch:
                return []
            links.append((f"{kind_label}のひな形（{fmt_label}）", url))
    return links


def _detail_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    check = ImportReport.from_json(job.check_report) if job.check_report else None
    applied = ImportReport.from_json(job.apply_report) if job.apply_report else None
    shown = applied if job.status == JobStatus.APPLIED else check
    return {
        "job": job,
        "report": shown,
        "counts": _count_table(shown) if shown else None,
        "running": job.status in RUNNING,
        "rows_done": job.rows_done,
        "workers_ok": tasks_can_run() if job.status in RUNNING else True,
        "can_retry": job.can_retry and can_apply_import(request.user, job),
        "can_apply": (
            job.status == JobStatus.CHECKED and check is not None and check.ok and can_apply_import(request.user, job)
        ),
        "applied_before": _applied_before(job),
        "home": job.organization or primary_organization(request.user),
    }


def _count_table(report: ImportReport) -> dict[str, Any]:
    """The counts as a table: one row per kind (KPI, 目標, 実績…), columns 新規 / 更新 / 変更なし."""
    rows: dict[str, dict[str, int]] = {}
    other: list[tuple[str, int]] = []
    for key, count in report.counts.items():
        kind, _, action = key.rpartition(" ")
        if key == UNCHANGED:
            other.append(("変更のない行", count))
        elif kind and action in COUNT_ACTIONS:
            rows.setdefault(kind, {})[action] = count
        else:
            other.append((key, count))
    return {
        "actions": COUNT_ACTIONS,
        "rows": [(kind, [by_action.get(a, 0) for a in COUNT_ACTIONS]) for kind, by_action in rows.items()],
        "other": other,
    }


def _applied_before(job: ImportJob) -> ImportJob | None:
    """An earlier job that applied the same file (same SHA-256) to the same plan."""
    if job.status == JobStatus.APPLIED:
        return None
    return (
        ImportJob.objects.filter(plan_id=job.plan_id, sha256=job.sha256, status=JobStatus.APPLIED)
        .exclude(pk=job.pk)
        .order_by("-applied_at")
        .first()
    )
