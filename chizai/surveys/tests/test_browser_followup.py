"""The follow-up survey journey in real Chromium: a case reaches follow-up; the invitation mail (Django's outbox)
carries a link; an anonymous browser answers it on a 390 px phone screen; the effect indicator counted from the
answers and its response rate change on the dashboard and drill through to the answer; a reminder goes to the
company that has not answered on the next business day, and never again that day.

Runs against pytest-django's live server (transactional) in FY2025, the 3rd plan's last year ("today" of the cases
writer and the KPI pages is pinned to 4 November 2025). Screenshots go to /tmp/shots-surveykpi/.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from chizai.cases import actions as case_actions
from chizai.cases import views as case_views
from chizai.cases.models import Company, Origin, SmeCategory, Stage, SupportCase
from chizai.kpis import views as kpi_views
from chizai.kpis.actions import save_kpi, save_target
from chizai.kpis.models import Actual, KpiKind, Shape
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.fixtures_views import PLAN3_FILE
from chizai.lib.business_days import next_business_day
from chizai.organizations.models import Organization
from chizai.surveys import actions
from chizai.surveys.counting import IpStrategyActedShare
from chizai.surveys.demo import FOLLOW_UP_QUESTIONS
from chizai.surveys.models import Audience, Invitation
from chizai.testing_browser import BROWSER_MARKS, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS

TODAY = datetime.date(2025, 11, 4)
SHOTS = Path("/tmp/shots-surveykpi")
KPI_NAME = "フォローアップ調査で知財を経営戦略に位置づけ実行に移した企業の割合"
ANSWERING = "東京ブラウザ精工株式会社"
SILENT = "返信なし工業株式会社"


def a_case(name: str, number: str, email: str) -> SupportCase:
    jpo = Organization.objects.get(code="jpo")
    company = Company.objects.create(
        corporate_number=number,
        name=name,
        prefecture=Organization.objects.get(code="pref-13"),
        industry="精密部品製造",
        sme_category=SmeCategory.MANUFACTURING,
        registered_by=jpo,
    )
    return SupportCase.objects.create(
        company=company,
        fiscal_year=2025,
        origin=Origin.PUSH,
        support_team=jpo,
        stage=Stage.ACTIONS,
        stage_entered_at=timezone.make_aware(datetime.datetime(2025, 10, 1, 9)),
        opened_on=datetime.date(2025, 6, 2),
        contact_email=email,
    )


def set_up() -> dict[str, Any]:
    """The 3rd plan with a KPI counted from the follow-up survey; one company answered 「いいえ」 earlier."""
    plan = load_plan_file(PLAN3_FILE).plan
    values = {
        "kind": KpiKind.EFFECT,
        "name": KPI_NAME,
        "owner": Organization.objects.get(code="jpo"),
        "unit": "%",
        "shape": Shape.RATIO,
        "counting_rule": IpStrategyActedShare.name,
        "sort_order": 999,
    }
    kpi, _ = save_kpi(plan=plan, code="survey-effect", values=values, actor=None)
    save_target(
        kpi=kpi, start_year=2025, end_year=2025, value=Decimal(60), note="以上", expected_version=None, actor=None
    )
    made = actions.create_questionnaire(
        code="follow-up",
        title="フォローアップ調査",
        audience=Audience.COMPANY,
        questions=FOLLOW_UP_QUESTIONS,
        actor=None,
    )
    questionnaire = actions.send_questionnaire(questionnaire=made, actor=None)
    earlier = a_case("先に回答した商事株式会社", "1010001000001", "earlier@example.jp")
    invitation, token = actions.invite_case(
        questionnaire=questionnaire, case=earlier, email=earlier.contact_email, actor=None, fiscal_year=2025
    )
    no = {
        "ip_in_strategy": "いいえ",
        "growth": "いいえ",
        "ip_used": "いいえ",
        "impressions": ["社内の知財意識が高まった"],
    }
    actions.submit_answers(token=token, raw=no)
    return {
        "kpi": kpi,
        "answering": a_case(ANSWERING, "1010001000002", "answer@example.jp"),
        "silent": a_case(SILENT, "1010001000003", "silent@example.jp"),
    }


def reminders(day: datetime.date) -> str:
    out = StringIO()
    call_command("send_survey_reminders", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def test_a_case_at_follow_up_invites_its_company_whose_answer_moves_the_effect_indicator(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for module in (case_actions, case_views, kpi_views):
        monkeypatch.setattr(module, "_today", lambda: TODAY)
    settings.CHIZAI_SURVEY_REMINDER_DAYS = 1
    settings.CHIZAI_SITE_URL = live_server.url
    ensure_cast()
    world = set_up()
    SHOTS.mkdir(exist_ok=True)
    mail.outbox.clear()

    # The silent company's case reaches follow-up elsewhere (its writer runs the same hook).
    jpo_admin = get_user_model().objects.get(username="jpo_admin")
    case_actions.move_stage(case=world["silent"], to_stage=Stage.FOLLOW_UP, actor=jpo_admin)
    assert [m.to for m in mail.outbox] == [["silent@example.jp"]]

    with chromium_page() as page:
        log_in(page, live_server.url, "jpo_admin")
        page.goto(f"{live_server.url}/")
        row = page.locator("section[aria-labelledby=central-heading] tr", has_text=KPI_NAME)
        expect(row).to_contain_text("0%")
        expect(row.locator(".response-rate")).to_have_text("回答率 50.0%（1件／2件）")

        # The JPO team moves the case to follow-up: the invitation mail goes to the company.
        page.goto(f"{live_server.url}/cases/{world['answering'].pk}/")
        form = page.locator("form.stage-form")
        form.get_by_label("移る段階").select_option(label=Stage.FOLLOW_UP.label)
        form.get_by_role("button", name="段階を変更").click()
        expect(page.locator(".messages")).to_contain_text("フォローアップ")
        (invitation_mail,) = [m for m in mail.outbox if m.to == ["answer@example.jp"]]
        link = next(line for line in invitation_mail.body.splitlines() if "/survey/" in line)
        assert link.startswith(live_server.url)
        assert Invitation.objects.get(case=world["answering"]).fiscal_year == 2025

        # An anonymous browser on a phone answers (no login).
        # A browser context of its own: no session, no cookie of the official's.
        phone_context = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
        phone = phone_context.new_page()
        phone.goto(link)
        expect(phone.get_by_role("heading", level=1)).to_have_text("フォローアップ調査")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(SHOTS / "answer_390.png"), full_page=True)
        for key in ("ip_in_strategy", "acted", "growth", "ip_used"):
            phone.locator(f"#q-{key}").get_by_label("はい", exact=True).check()
        phone.get_by_label("社内の知財意識が高まった").check()
        phone.get_by_role("button", name="回答を送信する").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("回答を受け付けました")
        phone_context.close()
        page.goto(link)
        page.screenshot(path=str(SHOTS / "answer_desktop.png"), full_page=True)

        # The effect indicator and its response rate follow, and drill through to the answer.
        page.goto(f"{live_server.url}/")
        row = page.locator("section[aria-labelledby=central-heading] tr", has_text=KPI_NAME)
        expect(row).to_contain_text("50%")
        expect(row.locator(".response-rate")).to_have_text("回答率 66.7%（2件／3件）")
        row.screenshot(path=str(SHOTS / "dashboard_row.png"))
        page.get_by_role("link", name=KPI_NAME).first.click()
        expect(page.locator("#results")).to_contain_text("回答率 66.7%（2件／3件）")
        page.screenshot(path=str(SHOTS / "kpi_desktop.png"), full_page=True)
        page.locator("#results").get_by_role("link", name="50%").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("実績の内訳（調査回答）")
        answered = page.locator("table.survey-answers tbody tr", has_text=ANSWERING)
        expect(answered).to_contain_text("該当")
        expect(answered).to_contain_text("ウェブ回答")
        page.screenshot(path=str(SHOTS / "drill_desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server.url}/kpis/{world['kpi'].pk}/")
        expect(page.locator("#results")).to_contain_text("回答率 66.7%")
        page.screenshot(path=str(SHOTS / "kpi_390.png"), full_page=True)

    actual = Actual.objects.get(kpi=world["kpi"], start_year=2025, end_year=2025, half="FY")
    assert (actual.numerator, actual.denominator, actual.source) == (1, 2, "survey")

    # The next business day, one reminder to the company that has not answered; never a second that day.
    sent = mail.outbox[:]
    day = next_business_day(timezone.localdate() + datetime.timedelta(days=1))
    assert "督促 1件" in reminders(day)
    (reminder,) = mail.outbox[len(sent) :]
    assert reminder.to == ["silent@example.jp"] and reminder.subject.startswith("【再送】")
    assert "督促 0件" in reminders(day)
    assert len(mail.outbox) == len(sent) + 1
