"""The hands-on support journey in real Chromium: 東京都 refers a company, the JPO team runs the case through
every stage to follow-up, and the 3rd plan's core, attached and effect KPIs follow and drill through to it.

Runs against pytest-django's live server (transactional, `serialized_rollback`). The case is opened in
FY2025, the last year of the 3rd plan. Screenshots of every step go to test-artifacts/cases_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from chizai.cases.models import Origin, Stage, SupportCase
from chizai.cases.tests.fixtures_cases import corporate_number
from chizai.kpis.models import Actual, ActualSource, HalfChoice
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.fixtures_views import PLAN3_FILE
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast, log_in

pytestmark = BROWSER_MARKS

COMPANY = "多摩ものづくり株式会社"
NUMBER = corporate_number("130000123456")
CORE = "地域の中核となる企業における知財経営のモデルとなり得る事例を創出するために実施する企業支援件数"
ATTACHED = "基幹指標のうち、地域から掘り起こして実施する企業支援件数"
EFFECT = "ハンズオン支援を通じて、経営戦略の一要素として知財の取組を位置づけ"


class Journey:
    """The steps a user takes, by labels and roles as a person reads them."""

    def __init__(self, page: Any, expect: Any, base_url: str) -> None:
        self.page, self.expect, self.base_url = page, expect, base_url

    def log_in(self, username: str) -> None:
        log_in(self.page, self.base_url, username)

    def log_out(self) -> None:
        self.page.get_by_role("button", name="ログアウト").click()

    def menu(self, name: str) -> None:
        self.page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name=name).click()

    def move_to(self, stage: Stage) -> None:
        form = self.page.locator("form.stage-form")
        form.get_by_label("移る段階").select_option(label=stage.label)
        form.get_by_label("メモ").fill(f"{stage.label}へ")
        form.get_by_role("button", name="段階を変更").click()
        self.expect(self.page.locator(".messages")).to_contain_text(f"段階を「{stage.label}」に進めました。")
        self.expect(self.page.locator(".case-stepper [aria-current=step]")).to_contain_text(stage.label)

    def edit_record(self, fields: dict[str, str], answers: dict[str, str] | None = None) -> None:
        self.page.get_by_role("link", name="支援の記録を編集").click()
        self.expect(self.page.get_by_role("heading", level=1)).to_have_text("支援の記録の編集")
        for label, value in fields.items():
            self.page.get_by_label(label, exact=True).fill(value)
        for label, answer in (answers or {}).items():
            self.page.get_by_label(label, exact=True).select_option(label=answer)
        self.page.get_by_role("button", name="保存").click()
        self.expect(self.page.locator(".messages")).to_contain_text("支援の記録を保存しました。")

    def kpi_row(self, name: str) -> Any:
        return self.page.locator("section[aria-labelledby=central-heading] tr", has_text=name)


def _figure(code: str) -> Actual | None:
    return Actual.objects.filter(
        kpi__plan__number=3, kpi__code=code, start_year=2025, end_year=2025, half=HalfChoice.FULL
    ).first()


def test_it_runs_a_referred_case_to_follow_up_and_the_plans_kpis_follow(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    load_plan_file(PLAN3_FILE)
    expect = sync_api.expect

    with chromium_page() as page:
        shots, go = Shots(page, "cases"), Journey(page, expect, live_server.url)

        # 東京都's editor refers a company not registered yet.
        go.log_in("tokyo_editor")
        go.menu("支援案件")
        expect(page.get_by_role("heading", level=1)).to_have_text("ハンズオン支援")
        page.get_by_role("link", name="企業を紹介する").click()
        page.get_by_label("受付日").fill("2025-10-01")
        page.get_by_role("main").get_by_label("法人番号").fill("1000020130001")  # a typo in the check digit first
        page.get_by_label("企業名").fill(COMPANY)
        page.get_by_label("所在都道府県").select_option(label="東京都")
        page.get_by_label("業種", exact=True).fill("精密部品製造")
        page.get_by_label("中小企業基本法の業種区分").select_option(label="製造業・建設業・運輸業その他")
        page.get_by_label("従業員数（人）").fill("８５")
        page.get_by_label("資本金（円）").fill("30,000,000")
        page.get_by_label("変革期").check()
        page.get_by_label("紹介の経緯・メモ").fill("事業承継を機に知財の活用を考えている企業です。")
        shots.take("referral_form")
        page.get_by_role("button", name="紹介する").click()
        expect(page.locator("#id_corporate_number-error")).to_have_text("法人番号のチェックデジットが一致しません。")
        shots.take("referral_error")
        page.get_by_role("main").get_by_label("法人番号").fill(NUMBER)
        page.get_by_role("button", name="紹介する").click()
        expect(page.locator(".messages")).to_contain_text(f"「{COMPANY}」の支援案件を登録しました。")
        expect(page.get_by_role("heading", level=1)).to_contain_text(COMPANY)
        expect(page.locator(".lead")).to_contain_text("状況のみ")
        expect(page.locator("body")).not_to_contain_text("事業承継を機に")  # the note is for the team only
        shots.take("referral_status")
        go.log_out()

        # The JPO team runs it through every stage.
        go.log_in("jpo_admin")
        go.menu("支援案件")
        page.get_by_role("link", name=COMPANY).click()
        expect(page.locator("#history")).to_contain_text("事業承継を機に")
        go.move_to(Stage.HEARING)
        go.edit_record({"ヒアリング記録": "社長と面談。主力の精密部品に独自の加工技術がある。"})
        go.move_to(Stage.ISSUE_EXTRACTION)
        issue_form = page.locator("#issue-form")
        issue_form.get_by_label("分類").select_option(label="営業秘密")
        issue_form.get_by_label("課題の内容").fill("加工条件のノウハウが文書化されず、管理されていない。")
        issue_form.get_by_role("button", name="課題を追加").click()
        expect(page.locator("#issues")).to_contain_text("加工条件のノウハウ")
        go.move_to(Stage.AGREED)
        go.move_to(Stage.EXPERT_SUPPORT)
        expert_form = page.locator("#expert-form")
        expert_form.get_by_label(re.compile(r"^種類")).select_option(label="INPIT専門家派遣")
        expert_form.get_by_label("専門家の種類").fill("弁理士")
        expert_form.get_by_label("時間").fill("6")
        expert_form.get_by_label("開始日").fill("2025-11-10")
        expert_form.get_by_label("状況").select_option(label="完了")
        expert_form.get_by_role("button", name="専門家支援を追加").click()
        expect(page.locator("#expert-support table")).to_contain_text("弁理士")
        go.move_to(Stage.ACTIONS)
        go.edit_record({"合意したアクション": "営業秘密管理規程を作り、加工技術の特許出願を検討する。"})
        go.move_to(Stage.FOLLOW_UP)
        shots.take("case_in_follow_up")
        go.edit_record(
            {"フォローアップ実施日": "2026-02-16", "フォローアップ結果": "規程を施行し、特許を1件出願した。"},
            {"知財を経営戦略に位置づけた": "はい", "知財の取組を実行に移した": "はい"},
        )
        expect(page.locator("#follow-up")).to_contain_text("規程を施行し")
        shots.take("case_followed_up")

        # The 3rd plan's dashboard: the core, attached and effect KPIs count this case for FY2025.
        page.goto(f"{live_server.url}/plans/3/")
        for name, figure in ((CORE, "1件"), (ATTACHED, "1件"), (EFFECT, "100%")):
            row = go.kpi_row(name)
            expect(row).to_contain_text("2025年度")
            expect(row.locator("td.num").nth(1)).to_have_text(figure)
        shots.take("dashboard")

        # The number drills through to the cases behind it.
        go.kpi_row(ATTACHED).get_by_role("link").first.click()
        page.locator("#results tr", has_text="2025年度").get_by_role("link", name="1件").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2025年度")
        expect(page.locator("table.drill-table")).to_contain_text(COMPANY)
        shots.take("drill_attached")
        page.goto(f"{live_server.url}/plans/3/")
        go.kpi_row(EFFECT).get_by_role("link").first.click()
        page.locator("#results tr", has_text="2025年度").get_by_role("link", name="100%").click()
        expect(page.locator("table.drill-table tr", has_text=COMPANY)).to_contain_text("該当")
        shots.take("drill_effect")
        page.locator("table.drill-table").get_by_role("link", name=COMPANY).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(COMPANY)
        go.menu("支援案件")
        expect(page.locator("table.case-table tr", has_text=COMPANY)).to_contain_text("フォローアップ")
        shots.take("case_list")

    case = SupportCase.objects.get(company__corporate_number=NUMBER)
    assert (case.origin, case.referred_by.code, case.fiscal_year, case.stage) == (
        Origin.REGIONAL,
        "pref-13",
        2025,
        Stage.FOLLOW_UP,
    )
    assert [c.to_stage for c in case.stage_changes.all()] == [
        Stage.REFERRAL,
        Stage.HEARING,
        Stage.ISSUE_EXTRACTION,
        Stage.AGREED,
        Stage.EXPERT_SUPPORT,
        Stage.ACTIONS,
        Stage.FOLLOW_UP,
    ]
    core, attached, effect = (
        _figure(code) for code in ("core-model-case-support", "core-regional-discovery", "effect-ip-in-strategy")
    )
    assert (core.value, attached.value, effect.numerator, effect.denominator) == (1, 1, 1, 1)
    assert {core.source, attached.source, effect.source} == {ActualSource.COMPUTED}
    assert all(path.stat().st_size > 0 for path in shots.paths)
