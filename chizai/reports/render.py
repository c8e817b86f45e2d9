"""Generation of each document as bytes, by plain functions a background task can call with ids.

`render_<document>(…, fmt=…) -> bytes` looks the objects up through the same permission getters as the pages,
so a task running for a user produces exactly what that user may download.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import Http404

from chizai.kpis.models import Plan
from chizai.pdca.models import ReportingPeriod
from chizai.pdca.rules import get_evaluation_for_user
from chizai.reports import builders
from chizai.reports.document import Document

Format = Literal["docx", "pdf"]
FORMATS: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(document: Document, fmt: str) -> bytes:
    if fmt == "pdf":
        from chizai.reports.pdf import render_pdf  # WeasyPrint loads its fonts on import: only when asked

        return render_pdf(document)
    if fmt == "docx":
        from chizai.reports.docx import render_docx

        return render_docx(document)
    raise ValueError(f"unknown document format: {fmt}")


def _user(user_id: int):  # type: ignore[no-untyped-def]
    return get_user_model().objects.get(pk=user_id)


def _plan(number: int) -> Plan:
    plan = Plan.objects.filter(number=number).first()
    if plan is None:
        raise Http404("計画が見つかりません。")
    return plan


def render_plan_report(*, plan_number: int, fmt: str, today: datetime.date) -> bytes:
    return render(builders.plan_report_document(_plan(plan_number), today), fmt)


def render_self_evaluation(*, evaluation_id: int, user_id: int, fmt: str, today: datetime.date) -> bytes:
    evaluation = get_evaluation_for_user(_user(user_id), evaluation_id)
    return render(builders.self_evaluation_document(evaluation, today), fmt)


def render_compilation(*, period_id: int, user_id: int, fmt: str, today: datetime.date) -> bytes:
    period = ReportingPeriod.objects.select_related("plan").get(pk=period_id)
    return render(builders.compilation_document(period, _user(user_id), today), fmt)


def render_final_evaluation(
    *, plan_number: int, user_id: int, fmt: str, today: datetime.date, block: str = ""
) -> bytes:
    return render(builders.final_evaluation_document(_plan(plan_number), _user(user_id), today, block), fmt)
