"""Fixtures for the case tests: companies with valid corporate numbers and cases in known places.

A test module takes the fixtures it uses by assignment (`cases_data = fx.cases_data`). Every case here is
supported by JPO; 東京都 referred one, 神奈川県 another, and JPO approached the third directly.
Secret texts (hearing notes, issues, outcomes) are distinctive so that a test can assert they never leak.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from chizai.cases import actions, views
from chizai.cases.models import Company, IssueCategory, SmeCategory, SupportCase
from chizai.lib.corporate_number import check_digit
from chizai.organizations.models import Organization

TODAY = datetime.date(2025, 11, 4)
TOKYO_COMPANY = "東京精密加工株式会社"
KANAGAWA_COMPANY = "湘南バイオ株式会社"
PUSH_COMPANY = "北海道テック株式会社"
HEARING_SECRET = "社長は特許出願を迷っている（ヒアリング記録・非公開）"
ISSUE_SECRET = "主力製品の営業秘密の管理が不十分（課題・非公開）"
FOLLOW_UP_SECRET = "海外展開の商談が進んだ（フォローアップ・非公開）"


def corporate_number(base12: str) -> str:
    """A valid corporate number made from any 12-digit base."""
    return f"{check_digit(base12)}{base12}"


@dataclass(frozen=True)
class CasesData:
    tokyo_case: SupportCase
    kanagawa_case: SupportCase
    push_case: SupportCase

    @property
    def company_names(self) -> list[str]:
        return [TOKYO_COMPANY, KANAGAWA_COMPANY, PUSH_COMPANY]


def make_company(
    name: str,
    *,
    base12: str,
    prefecture: str = "pref-13",
    registered_by: str = "pref-13",
    sme_category: str = SmeCategory.MANUFACTURING,
    employees: int | None = 120,
    capital: int | None = 50_000_000,
    tags: tuple[str, ...] = (),
) -> Company:
    return actions.create_company(
        corporate_number=corporate_number(base12),
        name=name,
        prefecture=Organization.objects.get(code=prefecture),
        industry="金属加工",
        sme_category=sme_category,
        employees=employees,
        capital=Decimal(capital) if capital is not None else None,
        tags=tags,
        registered_by=Organization.objects.get(code=registered_by),
        actor=None,
    )


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def fill_record(case: SupportCase, actor: Any) -> None:
    """Hearing notes, an issue and a follow-up with outcomes: what only the support team may read."""
    actions.save_case_record(
        case=case,
        changes={
            "hearing_notes": HEARING_SECRET,
            "follow_up_results": FOLLOW_UP_SECRET,
            "outcome_ip_in_strategy": True,
        },
        expected_version=None,
        actor=actor,
    )
    actions.add_issue(case=case, category=IssueCategory.TRADE_SECRETS, description=ISSUE_SECRET, actor=actor)


@pytest.fixture
def cases_today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Pin "today" of the pages and the actions (due dates, end dates), so results do not depend on the run day."""
    monkeypatch.setattr(views, "_today", lambda: TODAY)
    monkeypatch.setattr(actions, "_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def cases_data(db: None, cases_today: datetime.date) -> CasesData:
    jpo_admin = user("jpo_admin")
    tokyo = make_company(TOKYO_COMPANY, base12="130000000001", tags=("地域未来牽引企業",))
    kanagawa = make_company(KANAGAWA_COMPANY, base12="140000000002", prefecture="pref-14", registered_by="pref-14")
    hokkaido = make_company(PUSH_COMPANY, base12="010000000003", prefecture="pref-01", registered_by="jpo")
    tokyo_case = actions.refer_case(
        company=tokyo,
        referred_by=Organization.objects.get(code="pref-13"),
        actor=user("tokyo_editor"),
        opened_on=datetime.date(2025, 6, 2),
        note="知財に関心の高い企業です",
    )
    kanagawa_case = actions.refer_case(
        company=kanagawa,
        referred_by=Organization.objects.get(code="pref-14"),
        actor=user("kanagawa_editor"),
        opened_on=datetime.date(2025, 7, 1),
    )
    push_case = actions.open_case(company=hokkaido, actor=jpo_admin, opened_on=datetime.date(2024, 10, 1))
    for case in (tokyo_case, kanagawa_case, push_case):
        fill_record(case, jpo_admin)
    return CasesData(tokyo_case, kanagawa_case, push_case)
