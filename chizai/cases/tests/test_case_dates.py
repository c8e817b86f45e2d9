"""Defect 2 of issue 9: every date the cases accept is one the system can show (1900–2099).

A case opened on 1000-01-01 was saved (fiscal year 999); afterwards the case list, the overdue list and the
case exports answered 500 for everyone (和暦 before 1873), and 0001-01-01 gave a 500. Now the forms, the API
and the writers refuse such dates with a Japanese message, and a legacy row already holding one is shown in
西暦 without 和暦 instead of breaking the pages.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from chizai.cases import actions
from chizai.cases.forms import CaseRecordForm, ExpertSupportForm, StageForm
from chizai.cases.models import ExpertSupport, Stage, SupportCase
from chizai.cases.tests import fixtures_cases as fx
from chizai.lib.dates import OUT_OF_RANGE_MESSAGE

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db

BAD_DATES = ("1000-01-01", "0001-01-01", "2100-01-01")


@pytest.mark.parametrize("day", BAD_DATES)
def test_it_refuses_a_referral_opened_on_a_date_it_cannot_show(client, login, tokyo_editor, cases_data, day):
    login(client, tokyo_editor)
    data = {
        "opened_on": day,
        "corporate_number": cases_data.tokyo_case.company.corporate_number,
        "referred_by": str(cases_data.tokyo_case.referred_by_id),
    }
    response = client.post(reverse("cases:case_create"), data)
    assert response.status_code == 422
    assert response.context["form"].errors["opened_on"] == [OUT_OF_RANGE_MESSAGE]
    assert SupportCase.objects.count() == 3


@pytest.mark.parametrize("day", BAD_DATES)
def test_it_refuses_out_of_range_dates_on_the_case_record_stage_and_expert_forms(cases_data, day):
    case = cases_data.push_case
    record = CaseRecordForm(
        {"followed_up_on": day, "stage_due_date": day, "version": case.version},
        instance=SupportCase(pk=case.pk, stage=case.stage),
    )
    assert not record.is_valid()
    assert record.errors["followed_up_on"] == [OUT_OF_RANGE_MESSAGE]
    assert record.errors["stage_due_date"] == [OUT_OF_RANGE_MESSAGE]
    stage = StageForm({"to_stage": Stage.HEARING, "due_date": day, "version": case.version}, case=case)
    assert not stage.is_valid() and stage.errors["due_date"] == [OUT_OF_RANGE_MESSAGE]
    expert = ExpertSupportForm({"kind": "dispatch", "expert_type": "弁理士", "status": "planned", "start_date": day})
    assert not expert.is_valid() and expert.errors["start_date"] == [OUT_OF_RANGE_MESSAGE]


def test_it_refuses_out_of_range_dates_in_every_writer(cases_data, jpo_admin, org):
    case = cases_data.push_case
    too_early = datetime.date(1000, 1, 1)
    with pytest.raises(ValidationError, match=OUT_OF_RANGE_MESSAGE):
        actions.open_case(company=case.company, actor=jpo_admin, opened_on=too_early)
    with pytest.raises(ValidationError, match=OUT_OF_RANGE_MESSAGE):
        actions.move_stage(case=case, to_stage=Stage.HEARING, actor=jpo_admin, due_date=datetime.date(2100, 1, 1))
    with pytest.raises(ValidationError, match=OUT_OF_RANGE_MESSAGE):
        actions.save_case_record(
            case=case, changes={"followed_up_on": too_early}, expected_version=None, actor=jpo_admin
        )
    with pytest.raises(ValidationError, match=OUT_OF_RANGE_MESSAGE):
        actions.add_expert_support(
            case=case, kind="dispatch", expert_type="弁理士", actor=jpo_admin, end_date=too_early
        )
    assert not ExpertSupport.objects.exists()
    case.refresh_from_db()
    assert (case.stage, case.followed_up_on) == (Stage.REFERRAL, None)


@pytest.mark.parametrize("day", ["1000-01-01", "0001-01-01"])
def test_it_refuses_out_of_range_dates_through_the_api(cases_data, tokyo_editor, jpo_admin, day):
    api = APIClient()
    api.force_authenticate(tokyo_editor)
    body = {"referred_by": "pref-13", "company": cases_data.tokyo_case.company_id, "opened_on": day}
    response = api.post("/api/cases/", body, format="json")
    assert response.status_code == 400 and OUT_OF_RANGE_MESSAGE in response.content.decode()
    api.force_authenticate(jpo_admin)
    move = {"to_stage": Stage.HEARING, "due_date": day}
    response = api.post(f"/api/cases/{cases_data.push_case.pk}/stage/", move, format="json")
    assert response.status_code == 400 and OUT_OF_RANGE_MESSAGE in response.content.decode()
    assert SupportCase.objects.count() == 3


def test_it_shows_the_case_pages_and_exports_even_with_a_legacy_out_of_range_row(
    client, login, jpo_admin, tokyo_editor, cases_data
):
    legacy = cases_data.tokyo_case
    SupportCase.objects.filter(pk=legacy.pk).update(
        opened_on=datetime.date(1000, 1, 1), fiscal_year=999, stage_due_date=datetime.date(1000, 2, 1)
    )
    paths = [
        reverse("cases:case_list"),
        reverse("cases:case_overdue"),
        reverse("cases:case_detail", args=[legacy.pk]),
        reverse("cases:company_detail", args=[legacy.company_id]),
        reverse("exchange:export_cases", args=["csv"]),
        reverse("exchange:export_cases", args=["xlsx"]),
    ]
    for user in (jpo_admin, tokyo_editor):
        login(client, user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (user, path)
    html = client.get(reverse("cases:case_list")).content.decode()
    assert "999年度" in html and "1000年1月1日" in html
