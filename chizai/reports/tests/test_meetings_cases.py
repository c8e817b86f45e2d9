"""The liaison meeting's materials, a case summary and a model-case sheet, built on the demo data (load_demo),
read back from PDF and Word."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.cases.models import ModelCase, SupportCase
from chizai.meetings.models import LiaisonMeeting
from chizai.reports import builders_meetings_cases as documents
from chizai.reports.render import render
from chizai.reports.tests.readback import docx_text, pdf_text, squeeze
from chizai.testing import demo_for_module

TODAY = __import__("datetime").date(2025, 6, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """東京都's demo case, the 関東 block's demo meeting and the first model case; rolled back after the module."""
    with demo_for_module(django_db_blocker):
        yield {
            "case": SupportCase.objects.filter(referred_by__code="pref-13").order_by("pk").first(),
            "meeting": LiaisonMeeting.objects.filter(bureau__code="bureau-kanto").order_by("pk").first(),
            "model_case": ModelCase.objects.order_by("pk").first(),
        }


def both(document: Any) -> list[str]:
    return [squeeze(pdf_text(render(document, "pdf"))), squeeze(docx_text(render(document, "docx")))]


def test_the_meeting_materials_carry_the_blocks_regional_kpi_figures_as_of_the_meeting(demo, db):
    meeting = demo["meeting"]
    record = documents.meeting_record(meeting, TODAY)  # as of the meeting once its minutes are recorded
    year = record.kpi_status[-1]

    for text in both(documents.meeting_document(meeting, TODAY)):
        assert f"データ{record.as_of.year}年{record.as_of.month}月{record.as_of.day}日時点" in text
        assert f"{year.fiscal_year}年度地域KPIの達成状況（都道府県別）" in text
        assert f"関東ブロック計{year.block.total}{year.block.met}{year.block.not_achieved}" in text
        for organization, tally in year.prefectures:
            assert f"{organization.name}{tally.total}{tally.met}" in text


def test_the_case_summary_carries_the_record_for_the_support_team(demo, db, jpo_admin):
    case = demo["case"]

    for text in both(documents.case_document(case, jpo_admin, TODAY)):
        assert squeeze(case.company.name) in text
        assert f"{case.fiscal_year}年度" in text
        assert "知財を経営戦略に位置づけた" in text


def test_the_model_case_sheet_carries_the_public_texts_only(demo, db):
    model_case = demo["model_case"]

    for text in both(documents.model_case_document(model_case, TODAY)):
        assert squeeze(model_case.title) in text and squeeze(model_case.summary)[:40] in text
        assert squeeze(model_case.case.company.name) not in text


def test_downloading_a_case_summary_is_recorded_in_the_access_log(demo, db, jpo_admin):
    client = Client()
    client.force_login(jpo_admin)
    case = demo["case"]

    response = client.get(reverse("reports:case", kwargs={"pk": case.pk, "fmt": "docx"}))

    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="cases.case.exported").latest("pk")
    assert entry.object_id == str(case.pk) and entry.actor == jpo_admin


def test_another_bodys_case_and_meeting_are_not_found(demo, db, osaka_editor):
    client = Client()
    client.force_login(osaka_editor)

    assert client.get(reverse("reports:case", kwargs={"pk": demo["case"].pk, "fmt": "pdf"})).status_code == 404
    assert client.get(reverse("reports:meeting", kwargs={"pk": demo["meeting"].pk, "fmt": "pdf"})).status_code == 404
