"""Cases: the support team and JPO see everything, a referrer the status only; referrals and stage moves
go through chizai.cases.actions (validated and audited)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chizai.api.tests.conftest import detail
from chizai.audit.models import AuditEntry
from chizai.cases.models import Company, Stage, SupportCase
from chizai.cases.tests import fixtures_cases as fx

cases_data = fx.cases_data
cases_today = fx.cases_today
SECRETS = (fx.HEARING_SECRET, fx.ISSUE_SECRET, fx.FOLLOW_UP_SECRET)
NEW_COMPANY = {
    "corporate_number": fx.corporate_number("130000000099"),
    "name": "東京ロボティクス株式会社",
    "prefecture": "pref-13",
    "industry": "機械",
    "sme_category": "manufacturing",
    "employees": 40,
    "capital": "30,000,000円",
}


def test_it_shows_a_referrer_the_status_of_its_cases_only(api: Any, cases_data: fx.CasesData) -> None:
    response = api("tokyo_editor").get("/api/cases/")
    listed = response.json()["results"]
    assert [(c["company_name"], c["access"], c["record"]) for c in listed] == [(fx.TOKYO_COMPANY, "status", None)]
    assert not any(secret in response.content.decode() for secret in SECRETS)
    one = api("tokyo_editor").get(f"/api/cases/{cases_data.tokyo_case.pk}/")
    assert one.json()["stage"] == "referral" and one.json()["record"] is None
    assert not any(secret in one.content.decode() for secret in SECRETS)


def test_it_shows_jpo_the_whole_record(api: Any, cases_data: fx.CasesData) -> None:
    listed = api("jpo_viewer").get("/api/cases/").json()["results"]
    assert {c["company_name"] for c in listed} == set(cases_data.company_names)
    tokyo = next(c for c in listed if c["id"] == cases_data.tokyo_case.pk)
    assert tokyo["access"] == "full"
    assert tokyo["record"]["hearing_notes"] == fx.HEARING_SECRET
    assert tokyo["record"]["issues"] == [{"category": "trade_secrets", "description": fx.ISSUE_SECRET}]


def test_each_listed_record_is_its_own_cases(api: Any, cases_data: fx.CasesData) -> None:
    # One record serializer serves the whole list: each case still gets its own company and issues.
    listed = api("jpo_viewer").get("/api/cases/").json()["results"]
    records = {c["company_name"]: c["record"] for c in listed}
    assert len(records) >= 2
    for case in SupportCase.objects.select_related("company").prefetch_related("issues"):
        record = records[case.company.name]
        assert record["company"]["corporate_number"] == case.company.corporate_number
        assert record["issues"] == [{"category": i.category, "description": i.description} for i in case.issues.all()]


def test_it_hides_cases_the_user_neither_referred_nor_supports(api: Any, cases_data: fx.CasesData) -> None:
    response = api("tokyo_editor").get(f"/api/cases/{cases_data.kanagawa_case.pk}/")
    assert response.status_code == 404
    assert detail(response) == "支援案件が見つかりません。"


def test_it_lists_cases_in_a_fixed_number_of_queries(api: Any, cases_data: fx.CasesData) -> None:
    client = api("jpo_admin")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/cases/")
    for number in range(5):
        company = fx.make_company(f"追加企業{number}", base12=f"1300000001{number:02d}")
        fx.actions.open_case(company=company, actor=fx.user("jpo_admin"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/cases/").json()["results"]) == 8
    assert len(many) == len(few)


def test_it_opens_a_case_from_a_prefectures_referral_of_a_new_company(api: Any, cases_data: fx.CasesData) -> None:
    body = {"referred_by": "pref-13", "new_company": NEW_COMPANY, "note": "知財戦略の相談希望"}
    response = api("tokyo_editor").post("/api/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    case = SupportCase.objects.get(pk=response.json()["id"])
    assert (case.company.name, case.referred_by.code, case.stage) == (NEW_COMPANY["name"], "pref-13", Stage.REFERRAL)
    assert case.company.capital == 30_000_000
    assert AuditEntry.objects.filter(action="cases.case.referred", object_id=str(case.pk)).exists()
    assert AuditEntry.objects.filter(action="cases.company.created").exists()


def test_it_refuses_a_referral_in_another_bodys_name(api: Any, cases_data: fx.CasesData) -> None:
    body = {"referred_by": "pref-27", "new_company": NEW_COMPANY}
    response = api("tokyo_editor").post("/api/cases/", body, format="json")
    assert response.status_code == 403
    assert detail(response) == "この関係主体の名前で企業を紹介する権限がありません。"
    assert not Company.objects.filter(name=NEW_COMPANY["name"]).exists()


def test_it_refuses_a_referral_with_a_wrong_corporate_number(api: Any, cases_data: fx.CasesData) -> None:
    body = {"referred_by": "pref-13", "new_company": {**NEW_COMPANY, "corporate_number": "1234567890123"}}
    response = api("tokyo_editor").post("/api/cases/", body, format="json")
    assert response.status_code == 400
    assert "法人番号" in detail(response)


def test_it_moves_a_case_to_its_next_stage_with_an_audit_entry(api: Any, cases_data: fx.CasesData) -> None:
    case = cases_data.tokyo_case
    case.refresh_from_db()
    body = {"to_stage": "hearing", "note": "初回訪問", "version": case.version}
    response = api("jpo_admin").post(f"/api/cases/{case.pk}/stage/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "hearing"
    assert SupportCase.objects.get(pk=case.pk).stage == Stage.HEARING
    assert AuditEntry.objects.filter(action="cases.case.stage_moved", object_id=str(case.pk)).exists()


def test_it_refuses_a_move_the_support_model_does_not_allow(api: Any, cases_data: fx.CasesData) -> None:
    case = cases_data.tokyo_case
    response = api("jpo_admin").post(f"/api/cases/{case.pk}/stage/", {"to_stage": "follow_up"}, format="json")
    assert response.status_code == 400
    assert "へは移れません" in detail(response)
    assert SupportCase.objects.get(pk=case.pk).stage == Stage.REFERRAL


def test_it_refuses_a_stage_move_with_a_stale_version(api: Any, cases_data: fx.CasesData) -> None:
    case = cases_data.tokyo_case
    body = {"to_stage": "hearing", "version": 999}
    assert api("jpo_admin").post(f"/api/cases/{case.pk}/stage/", body, format="json").status_code == 409


def test_it_refuses_a_stage_move_by_the_referrer(api: Any, cases_data: fx.CasesData) -> None:
    case = cases_data.tokyo_case
    response = api("tokyo_editor").post(f"/api/cases/{case.pk}/stage/", {"to_stage": "hearing"}, format="json")
    assert response.status_code == 403
    assert SupportCase.objects.get(pk=case.pk).stage == Stage.REFERRAL
