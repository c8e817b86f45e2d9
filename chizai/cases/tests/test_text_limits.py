"""Defect 9 of issue 9 (cases' part): every free text of a case has a limit, and the audit never holds an
unbounded copy. 1 MB hearing notes were accepted and copied whole into the audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from chizai.audit.models import AuditEntry
from chizai.cases import actions
from chizai.cases.models import (
    HEARING_NOTES_LIMIT,
    ISSUE_LIMIT,
    NOTE_LIMIT,
    RECORD_TEXT_LIMIT,
    CaseIssue,
    IssueCategory,
    Stage,
    SupportCase,
)
from chizai.cases.tests import fixtures_cases as fx

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db

MEGABYTE = "あ" * 1_000_000


def test_it_refuses_a_megabyte_of_hearing_notes_and_audits_nothing(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    login(client, jpo_admin)
    audited = AuditEntry.objects.count()
    data = {"hearing_notes": MEGABYTE, "version": case.version}

    response = client.post(reverse("cases:case_edit", args=[case.pk]), data)

    assert response.status_code == 422
    assert response.context["form"].errors["hearing_notes"] == ["10,000文字以内で入力してください（現在1000000文字）。"]
    assert AuditEntry.objects.count() == audited
    case.refresh_from_db()
    assert case.hearing_notes == fx.HEARING_SECRET


def test_it_accepts_notes_up_to_the_limit(client, login, jpo_admin, cases_data):
    case = cases_data.push_case
    login(client, jpo_admin)
    data = {"hearing_notes": "あ" * HEARING_NOTES_LIMIT, "actions_agreed": "い" * RECORD_TEXT_LIMIT}
    response = client.post(reverse("cases:case_edit", args=[case.pk]), {**data, "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert len(case.hearing_notes) == HEARING_NOTES_LIMIT


@pytest.mark.parametrize(
    ("form", "field", "limit"),
    [("issue", "description", ISSUE_LIMIT), ("stage", "note", NOTE_LIMIT)],
)
def test_it_refuses_over_long_issues_and_stage_notes_on_the_case_page(
    client, login, jpo_admin, cases_data, form, field, limit
):
    case = cases_data.push_case
    login(client, jpo_admin)
    if form == "issue":
        path, data = reverse("cases:case_detail", args=[case.pk]), {"form": "issue", "category": "rights"}
    else:
        path, data = reverse("cases:case_stage", args=[case.pk]), {"to_stage": Stage.HEARING, "version": case.version}
    response = client.post(path, {**data, field: "あ" * (limit + 1)})
    assert response.status_code == 422
    assert f"{limit:,}文字以内で入力してください" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.REFERRAL and case.issues.count() == 1


def test_it_refuses_over_long_texts_in_the_writers_whoever_calls_them(cases_data, jpo_admin, org):
    case = cases_data.push_case
    with pytest.raises(ValidationError):
        actions.save_case_record(
            case=case, changes={"follow_up_results": MEGABYTE}, expected_version=None, actor=jpo_admin
        )
    with pytest.raises(ValidationError):
        actions.add_issue(case=case, category=IssueCategory.RIGHTS, description=MEGABYTE, actor=jpo_admin)
    with pytest.raises(ValidationError):
        actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin, note=MEGABYTE)
    with pytest.raises(ValidationError):
        actions.open_case(company=case.company, actor=jpo_admin, note=MEGABYTE)
    assert CaseIssue.objects.filter(case=case).count() == 1
    assert not AuditEntry.objects.filter(reason=MEGABYTE).exists()


def test_it_refuses_an_over_long_referral_note_through_the_api(cases_data, tokyo_editor):
    api = APIClient()
    api.force_authenticate(tokyo_editor)
    body = {"referred_by": "pref-13", "company": cases_data.tokyo_case.company_id, "note": MEGABYTE}
    assert api.post("/api/cases/", body, format="json").status_code == 400
    assert SupportCase.objects.count() == 3
