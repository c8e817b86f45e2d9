"""Defect 1 of issue 9: another body's company never reaches a user through its corporate number.

A prefecture editor who typed another body's registered 法人番号 on /cases/new/ got that company attached,
its name shown on the new case, in the message and in /api/cases/<id>/, and the form told whether the
number was registered. Now a number only another body registered behaves exactly as an unknown number: the
user's body registers its own record of the company (one per number and body) and sees only what it typed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from chizai.cases import actions
from chizai.cases.models import Company, SmeCategory, SupportCase
from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Organization

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db

UNKNOWN_NUMBER = fx.corporate_number("270000000777")
OWN_NAME = "なにわ精工株式会社"


def _referral(number: str, **overrides: str) -> dict[str, Any]:
    data = {
        "opened_on": "2025-10-01",
        "corporate_number": number,
        "name": OWN_NAME,
        "prefecture": str(Organization.objects.get(code="pref-27").pk),
        "industry": "精密機器",
        "sme_category": SmeCategory.MANUFACTURING,
        "employees": "80",
        "capital": "30,000,000",
        "note": "",
        "referred_by": str(Organization.objects.get(code="pref-27").pk),
    }
    data.update(overrides)
    return data


def _errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: list(messages) for name, messages in form.errors.items()}


def test_it_treats_another_bodys_number_on_the_referral_form_exactly_as_an_unknown_number(
    client, login, osaka_editor, cases_data
):
    login(client, osaka_editor)
    taken = cases_data.tokyo_case.company.corporate_number
    number_only = {"corporate_number": "", "name": "", "prefecture": "", "industry": "", "sme_category": ""}

    other = client.post(reverse("cases:case_create"), _referral(taken, **{**number_only, "corporate_number": taken}))
    unknown = client.post(
        reverse("cases:case_create"), _referral(UNKNOWN_NUMBER, **{**number_only, "corporate_number": UNKNOWN_NUMBER})
    )

    assert other.status_code == unknown.status_code == 422
    assert _errors(other) == _errors(unknown)  # the same questions: nothing says the number is registered
    assert fx.TOKYO_COMPANY not in other.content.decode()
    assert SupportCase.objects.count() == 3


def test_it_attaches_the_users_own_record_and_never_shows_the_other_company_anywhere(
    client, login, osaka_editor, cases_data
):
    login(client, osaka_editor)
    taken = cases_data.tokyo_case.company.corporate_number

    response = client.post(reverse("cases:case_create"), _referral(taken), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert f"「{OWN_NAME}」の支援案件を登録しました。" in html
    assert fx.TOKYO_COMPANY not in html
    case = SupportCase.objects.exclude(
        pk__in=[cases_data.tokyo_case.pk, cases_data.kanagawa_case.pk, cases_data.push_case.pk]
    ).get()
    assert case.company != cases_data.tokyo_case.company
    assert (case.company.name, case.company.registered_by.code) == (OWN_NAME, "pref-27")
    for path in (reverse("cases:case_list"), reverse("cases:case_detail", args=[case.pk])):
        assert fx.TOKYO_COMPANY not in client.get(path).content.decode()
    api = APIClient()
    api.force_authenticate(osaka_editor)
    for path in (f"/api/cases/{case.pk}/", "/api/cases/"):
        body = api.get(path).content.decode()
        assert OWN_NAME in body and fx.TOKYO_COMPANY not in body


def test_it_registers_a_company_under_another_bodys_number_without_revealing_it(
    client, login, osaka_editor, cases_data
):
    login(client, osaka_editor)
    taken = cases_data.tokyo_case.company.corporate_number

    response = client.post(reverse("cases:company_create"), _referral(taken), follow=True)

    html = response.content.decode()
    assert response.status_code == 200 and f"「{OWN_NAME}」を登録しました。" in html
    assert fx.TOKYO_COMPANY not in html and "すでに登録されています" not in html
    assert Company.objects.filter(corporate_number=taken).count() == 2


def test_it_still_refers_a_company_of_the_users_own_body_by_its_number_alone(
    client, login, kanagawa_editor, cases_data
):
    login(client, kanagawa_editor)
    own = cases_data.kanagawa_case.company
    data = _referral(own.corporate_number, name="", referred_by=str(Organization.objects.get(code="pref-14").pk))

    response = client.post(reverse("cases:case_create"), data)

    assert response.status_code == 302
    assert SupportCase.objects.filter(company=own).count() == 2


def test_it_refuses_to_attach_a_company_the_actor_does_not_see(cases_data, osaka_editor, org):
    with pytest.raises(ValidationError) as error:
        actions.refer_case(company=cases_data.tokyo_case.company, referred_by=org("pref-27"), actor=osaka_editor)
    assert error.value.messages == ["企業が見つかりません。"]


def test_it_registers_a_body_scoped_record_when_only_another_body_registered_the_number(cases_data, osaka_editor, org):
    number = cases_data.tokyo_case.company.corporate_number
    company = actions.create_company(
        corporate_number=number,
        name=OWN_NAME,
        prefecture=org("pref-27"),
        industry="製造",
        sme_category=SmeCategory.MANUFACTURING,
        registered_by=org("pref-27"),
        actor=osaka_editor,
    )
    assert company.name == OWN_NAME and company.registered_by == org("pref-27")
    assert list(Company.objects.visible_to(osaka_editor)) == [company]


def test_it_answers_a_new_company_under_another_bodys_number_through_the_api_as_for_an_unknown_one(
    osaka_editor, cases_data
):
    api = APIClient()
    api.force_authenticate(osaka_editor)
    new_company = {
        "corporate_number": cases_data.tokyo_case.company.corporate_number,
        "name": OWN_NAME,
        "prefecture": "pref-27",
        "industry": "機械",
        "sme_category": "manufacturing",
        "capital": "30,000,000円",
    }
    response = api.post("/api/cases/", {"referred_by": "pref-27", "new_company": new_company}, format="json")
    body = response.content.decode()
    assert response.status_code == 201, body
    assert OWN_NAME in body and fx.TOKYO_COMPANY not in body and "すでに登録" not in body
