"""The half-year self-evaluation journey in real Chromium: write, submit, return, fix, review, accept, lock,
reopen, change — and the evaluation page shows what changed after acceptance.

東京都 evaluates 2023年度上期 of the 3rd plan (a half year long past, so nothing depends on the day the test
runs). Runs against pytest-django's live server, so the test is transactional; `serialized_rollback`
restores the session's reference organisations and cast. Screenshots go to test-artifacts/pdca_*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from chizai.kpis.models import Actual
from chizai.kpis.planfile import load_plan_file
from chizai.organizations.models import Organization
from chizai.pdca.models import SelfEvaluation, Status
from chizai.pdca.tests import fixtures_pdca as fx
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast, log_in

LOCK_MESSAGE = "この値は特許庁が受理した自己評価（2023年度上期）で確定しています。"

pytestmark = BROWSER_MARKS


class Journey:
    """The browser page plus the steps every role repeats: log in and out, open a page, take a screenshot."""

    def __init__(self, page: Any, base_url: str, expect: Any) -> None:
        self.page = page
        self.base_url = base_url
        self.expect = expect
        self.shots = Shots(page, "pdca")

    def shot(self, name: str) -> None:
        self.shots.take(name)

    def log_in(self, username: str) -> None:
        log_in(self.page, self.base_url, username)

    def log_out(self) -> None:
        self.page.get_by_role("button", name="ログアウト").click()
        self.expect(self.page.get_by_role("heading", name="ログイン")).to_be_visible()

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def message(self) -> Any:
        return self.page.locator(".messages")


def test_it_takes_tokyos_first_half_evaluation_through_the_whole_cycle(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls below stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ensure_cast()
    plan3 = load_plan_file(fx.PLAN3_FILE).plan
    kpi = fx.add_regional_kpi(
        plan3,
        Organization.objects.get(code="pref-13"),
        code="regional-13-support",
        name=fx.TOKYO_KPI_NAME,
        targets=fx.TOKYO_TARGETS,
        actuals=fx.TOKYO_ACTUALS,  # 2023年度上期 12社 of the year's 20社
    )
    expect = sync_api.expect

    with chromium_page() as page:
        j = Journey(page, live_server.url, expect)

        # 東京都's editor opens 自己評価 and creates the 2023年度上期 evaluation.
        j.log_in("tokyo_editor")
        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="自己評価").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("自己評価（半期ごと）")
        j.shot("list")
        j.press("2023年度上期の自己評価を作成する")
        expect(page.get_by_role("heading", level=1)).to_have_text("自己評価の編集")
        evaluation = SelfEvaluation.objects.get(organization__code="pref-13")
        detail = f"/pdca/evaluations/{evaluation.pk}/"
        row = page.locator(f"#kpi-{kpi.pk}")
        expect(row).to_contain_text("24社（120%）")  # the year-end forecast from 上期 12社
        expect(row.get_by_role("combobox")).to_contain_text("目安のまま（A）")

        page.get_by_label("取組状況").fill("知財セミナーを3回開催し、知財総合支援窓口と連携して12社を支援した。")
        page.get_by_label("課題", exact=True).fill("支援後のフォローアップ")
        page.get_by_label("今後の取組・改善策").fill("下期は地域金融機関と連携し、掘り起こしを強化する。")
        j.shot("form_filled")
        j.press("保存")
        expect(j.message()).to_contain_text("保存しました。")
        j.press("提出する")
        expect(j.message()).to_contain_text("提出しました。")
        expect(page.locator(".evaluation-summary")).to_contain_text("提出済み（局の確認待ち）")
        j.shot("submitted")
        j.log_out()

        # 関東局 finds it in the list and returns it with a comment.
        j.log_in("kanto_reviewer")
        j.open(f"/pdca/?plan=3&period={evaluation.period_id}")
        page.locator("section[aria-labelledby=others-heading]").get_by_role("link", name="東京都").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("東京都 2023年度上期")
        page.get_by_label("差戻しの理由（必須）").fill("課題をもう少し具体的に記載してください。")
        j.shot("reviewer_returns")
        j.press("差し戻す")
        expect(j.message()).to_contain_text("差し戻しました。")
        j.log_out()

        # 東京都 sees the comment, fixes the text and resubmits.
        j.log_in("tokyo_editor")
        j.open("/pdca/?plan=3")
        page.get_by_role("link", name="2023年度上期の自己評価を開く").click()
        expect(page.locator(".return-note")).to_contain_text("課題をもう少し具体的に記載してください。")
        j.shot("returned_seen_by_editor")
        page.get_by_role("link", name="編集", exact=True).click()
        page.get_by_label("課題", exact=True).fill("支援後のフォローアップ体制（担当2名）が不足している。")
        j.press("保存して提出")
        expect(j.message()).to_contain_text("提出しました。")
        j.log_out()

        # 関東局 confirms (局確認); JPO accepts, which locks the 上期 figure.
        j.log_in("kanto_reviewer")
        j.open(detail)
        j.press("局確認済みにする")
        expect(j.message()).to_contain_text("局確認を記録しました。")
        j.log_out()
        j.log_in("jpo_admin")
        j.open(detail)
        j.press("受理する")
        expect(j.message()).to_contain_text("受理しました。")
        expect(page.locator(".evaluation-summary")).to_contain_text("受理")
        j.shot("accepted")

        j.open(f"/kpis/{kpi.pk}/actual/?year=2023&half=H1")
        page.get_by_label("実績値（社）").fill("14")
        j.press("保存")
        expect(page.locator(".form-error")).to_contain_text(LOCK_MESSAGE)
        j.shot("locked_figure")

        # JPO reopens with a reason; 東京都 corrects the figure.
        j.open(detail)
        page.get_by_label("再開の理由（必須）").fill("東京都から上期実績の訂正依頼（12社→14社）")
        j.press("再開する")
        expect(j.message()).to_contain_text("再開しました。")
        j.log_out()
        j.log_in("tokyo_editor")
        j.open(f"/kpis/{kpi.pk}/actual/?year=2023&half=H1")
        page.get_by_label("実績値（社）").fill("14")
        j.press("保存")
        expect(j.message()).to_contain_text("2023年度上期の実績を保存しました。")

        # The evaluation page says what changed since JPO accepted it.
        j.open(detail)
        changed = page.locator(".changed-box")
        expect(changed.get_by_role("heading")).to_have_text("受理後に変更された値")
        expect(changed.locator("tbody tr")).to_contain_text("2023年度上期")
        expect(changed.locator("tbody tr")).to_contain_text("12社")
        expect(changed.locator("tbody tr")).to_contain_text("14社")
        expect(page.locator(".return-note")).to_contain_text("東京都から上期実績の訂正依頼")
        j.shot("changed_after_acceptance")

    evaluation.refresh_from_db()
    assert evaluation.status == Status.REOPENED
    assert Actual.objects.get(kpi=kpi, start_year=2023, half="H1").value == 14
    assert [t.to_status for t in evaluation.transitions.all()] == [
        "submitted",
        "returned",
        "submitted",
        "reviewed",
        "accepted",
        "reopened",
    ]
    assert all(path.stat().st_size > 0 for path in j.shots.paths)
