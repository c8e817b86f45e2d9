"""The corporate number on the forms: normalised, check digit verified, errors in Japanese beside the field."""

from __future__ import annotations

import datetime

import pytest

from chizai.cases.forms import CompanyForm, CorporateNumberField, ReferralForm
from chizai.cases.models import Origin, SmeCategory
from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Organization

cases_data = fx.cases_data
cases_today = fx.cases_today

pytestmark = pytest.mark.django_db


def company_post(**overrides: str) -> dict[str, str]:
    data = {
        "corporate_number": "７０００-０１２０-５０００２",
        "name": "国税テスト株式会社",
        "prefecture": str(Organization.objects.get(code="pref-13").pk),
        "industry": "ソフトウェア",
        "sme_category": SmeCategory.SERVICE,
        "employees": "１２０",
        "capital": "50,000,000",
    }
    data.update(overrides)
    return data


def test_it_normalises_a_corporate_number_typed_in_full_width_with_hyphens():
    assert CorporateNumberField().clean("７０００－０１２０－５０００２") == "7000012050002"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1000020130001", "法人番号のチェックデジットが一致しません。"),
        ("700001205000", "法人番号は13桁の数字です。"),
        ("70000120500O2", "法人番号は13桁の数字です。"),
    ],
)
def test_it_explains_a_wrong_corporate_number_beside_the_field(typed, message):
    form = CompanyForm(company_post(corporate_number=typed))
    assert not form.is_valid()
    assert form.errors["corporate_number"] == [message]


def test_it_reads_japanese_figures_for_the_size_of_the_company():
    form = CompanyForm(company_post())
    assert form.is_valid(), form.errors
    data = form.company_data()
    assert (data.corporate_number, data.employees, data.capital) == ("7000012050002", 120, 50_000_000)


def test_it_refuses_a_fraction_of_an_employee():
    form = CompanyForm(company_post(employees="10.5"))
    assert not form.is_valid()
    assert form.errors["employees"] == ["整数で入力してください。"]


def test_it_requires_the_company_fields_to_register_a_company():
    form = CompanyForm({"corporate_number": "7000012050002"})
    assert not form.is_valid()
    assert form.errors["name"] == ["企業名を入力してください。"]
    assert form.errors["sme_category"] == ["中小企業基本法の業種区分を入力してください。"]


def referral_form(data: dict[str, str], *, push: bool = False, referrers: list[str] = ("pref-13",)) -> ReferralForm:
    return ReferralForm(
        data,
        user=fx.user("jpo_admin" if push else "tokyo_editor"),
        referrers=list(Organization.objects.filter(code__in=referrers)),
        may_push=push,
        today=datetime.date(2025, 11, 4),
    )


def test_it_refers_a_registered_company_by_its_corporate_number_alone(cases_data):
    number = cases_data.tokyo_case.company.corporate_number
    tokyo = str(Organization.objects.get(code="pref-13").pk)
    form = referral_form({"corporate_number": number, "referred_by": tokyo, "opened_on": "2025-11-04"})
    assert form.is_valid(), form.errors
    assert form.company() == cases_data.tokyo_case.company


def test_it_needs_the_company_fields_for_a_company_not_registered_yet(db):
    tokyo = str(Organization.objects.get(code="pref-13").pk)
    form = referral_form({"corporate_number": "8000020130001", "referred_by": tokyo, "opened_on": "2025-11-04"})
    assert not form.is_valid()
    assert set(form.errors) == {"name", "prefecture", "industry", "sme_category"}


def test_it_offers_a_referrer_only_its_own_bodies(db):
    osaka = str(Organization.objects.get(code="pref-27").pk)
    form = referral_form(company_post(referred_by=osaka, opened_on="2025-11-04"))
    assert not form.is_valid()
    assert "referred_by" in form.errors
    assert "origin" not in form.fields


def test_it_asks_the_jpo_team_for_the_referrer_of_a_regional_case(db):
    form = referral_form(company_post(origin=Origin.REGIONAL, opened_on="2025-11-04"), push=True, referrers=[])
    assert not form.is_valid()
    assert form.errors["referred_by"] == ["地域掘り起こし型の案件は、紹介元を選んでください。"]
    form = referral_form(company_post(origin=Origin.PUSH, opened_on="2025-11-04"), push=True, referrers=[])
    assert form.is_valid(), form.errors
    assert form.is_push
