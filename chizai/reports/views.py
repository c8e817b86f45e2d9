"""Downloads of the documents (.docx / .pdf), each through the same permission getter as its page."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from chizai.audit.log import log_access
from chizai.cases.access import get_case_for_user
from chizai.cases.model_cases import get_model_case_for_user
from chizai.exchange.exports import Table as ExportTable
from chizai.exchange.exports import table_response
from chizai.kpis.dashboard import plan_or_404
from chizai.meetings.access import get_meeting_for_user
from chizai.pdca.models import ReportingPeriod
from chizai.pdca.rules import get_evaluation_for_user
from chizai.reports import builders, builders_meetings_cases, builders_surveys, jobs
from chizai.reports.document import Document
from chizai.reports.models import DocumentJob, DocumentStatus
from chizai.reports.render import FORMATS
from chizai.reports.render import render as render_document
from chizai.surveys.access import can_export_answers, get_questionnaire_for_user
from chizai.surveys.analysis import get_region_for_user
from chizai.surveys.exports import answer_sheet
from chizai.workers.health import tasks_can_run

Download = HttpResponse | StreamingHttpResponse


def _today() -> datetime.date:
    return timezone.localdate()


def _download(document: Document, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(render_document(document, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{name}_{document.as_of:%Y%m%d}.{fmt}")
    return response


@login_required
@require_GET
def plan_report(request: HttpRequest, number: int, fmt: str) -> HttpResponse:
    plan = plan_or_404(number)
    return _download(builders.plan_report_document(plan, _today()), fmt, f"第{plan.number}次計画_評価")


@login_required
@require_GET
def self_evaluation(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk)
    name = f"自己評価票_{evaluation.organization.display_name}_{evaluation.period.short_label}"
    return _download(builders.self_evaluation_document(evaluation, _today()), fmt, name)


@login_required
@require_GET
def compilation(request: HttpRequest, period_id: int, fmt: str) -> HttpResponse:
    period = get_object_or_404(ReportingPeriod.objects.select_related("plan"), pk=period_id)
    document = builders.compilation_document(period, request.user, _today())
    return _download(document, fmt, f"取りまとめ_{period.short_label}")


@login_required
@require_GET
def final_evaluation(request: HttpRequest, number: int, fmt: str) -> HttpResponse:
    plan = plan_or_404(number)
    block = request.GET.get("block", "")[:20]
    document = builders.final_evaluation_document(plan, request.user, _today(), block)
    return _download(document, fmt, f"第{plan.number}次計画_終了時評価{'_' + block if block else ''}")


@login_required
@require_GET
def meeting(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    found = get_meeting_for_user(request.user, pk)
    document = builders_meetings_cases.meeting_document(found, _today())
    return _download(document, fmt, f"地域連絡会議資料_{found.bureau.block_name}_{found.held_on:%Y%m%d}")


@login_required
@require_GET
def case(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    found = get_case_for_user(request.user, pk)
    log_access(request.user, "cases.case.exported", found, detail=f"案件概要 {fmt}")
    return _download(builders_meetings_cases.case_document(found, request.user, _today()), fmt, f"案件概要_{found.pk}")


@login_required
@require_GET
def model_case(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    found = get_model_case_for_user(request.user, pk)
    log_access(request.user, "cases.model_case.exported", found, detail=f"モデル事例シート {fmt}")
    return _download(builders_meetings_cases.model_case_document(found, _today()), fmt, f"モデル事例_{found.pk}")


@login_required
@require_GET
def regional_analysis(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    region = get_region_for_user(request.user, code)
    document = builders_surveys.regional_analysis_document(region, _today())
    return _download(document, fmt, f"地域別の支援の分析_{region.display_name}")


# --- documents made in the background (the national compilation) ----------------------------------------------


@login_required
@require_POST
def compilation_request(request: HttpRequest, period_id: int, fmt: str) -> HttpResponse:
    """Queue the compilation as a document job (the national one takes longer than a request may wait)."""
    period = get_object_or_404(ReportingPeriod.objects.select_related("plan"), pk=period_id)
    job = jobs.request_compilation(user=request.user, period=period, fmt=fmt)
    return redirect("reports:document_job", token=job.token)


def _job_for_user(request: HttpRequest, token: str) -> DocumentJob:
    return get_object_or_404(DocumentJob.objects.visible_to(request.user), token=token)


def _job_context(job: DocumentJob, **extra: object) -> dict[str, object]:
    return {
        "job": job,
        "workers_ok": tasks_can_run(),
        "retention_days": settings.CHIZAI_DOCUMENT_RETENTION_DAYS,
        **extra,
    }


@login_required
@require_GET
def document_job(request: HttpRequest, token: str) -> HttpResponse:
    job = _job_for_user(request, token)
    return render(request, "reports/document_job.html", _job_context(job))


@login_required
@require_GET
def survey_answers(request: HttpRequest, pk: int, fmt: str) -> Download:
    """The raw answers as xlsx or CP932 CSV (UTF-8 on ?encoding=utf-8), recorded as an export of company data."""
    questionnaire = get_questionnaire_for_user(request.user, pk)
    if not can_export_answers(request.user, questionnaire):
        raise Http404("この調査票の回答データは出力できません。")
    sheet = answer_sheet(request.user, questionnaire)
    log_access(request.user, "surveys.answers.exported", questionnaire, detail=fmt)
    table = ExportTable(sheet.title, sheet.columns, sheet.rows, sheet_name="回答")
    encoding = "utf-8-sig" if request.GET.get("encoding", "").lower() in ("utf-8", "utf8") else "cp932"
    return table_response(
        [table], ["アンケート回答", questionnaire.title, f"第{questionnaire.version}版"], fmt, encoding=encoding
    )


@login_required
@require_GET
def document_job_progress(request: HttpRequest, token: str) -> HttpResponse:
    job = _job_for_user(request, token)
    response = render(request, "reports/_document_job_progress.html", _job_context(job))
    if not job.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # made (or failed): reload to offer the download
    return response


@login_required
@require_GET
def document_job_download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    """The made file; once deleted after its retention time (期限切れ), or missing, a page that says so and offers
    to make it again (410 Gone), never an error."""
    job = _job_for_user(request, token)
    if job.status == DocumentStatus.EXPIRED:
        return render(request, "reports/document_job.html", _job_context(job), status=410)
    if job.status != DocumentStatus.DONE or not job.file:
        raise Http404("帳票はまだ作成されていません。")
    try:
        file = job.file.open("rb")
    except FileNotFoundError:
        return render(request, "reports/document_job.html", _job_context(job, missing=True), status=410)
    log_access(request.user, "reports.document.downloaded", job, detail=job.download_name)
    return FileResponse(file, as_attachment=True, filename=job.download_name, content_type=FORMATS[job.fmt])
