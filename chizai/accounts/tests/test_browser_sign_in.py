"""Signing in with a second factor in real Chromium: an administrator with TOTP, and a reviewer who must set one up
(the QR code drawn by the page itself). Screenshots at 1280 and 390 px go to test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from chizai.accounts.testing import enrol_totp, totp_code
from chizai.testing import CAST_PASSWORD
from chizai.testing_browser import BROWSER_MARKS, Shots, chromium_page, ensure_cast

pytestmark = BROWSER_MARKS


def fill_login(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(CAST_PASSWORD)
    page.get_by_role("button", name="ログイン").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_administrator_signs_in_with_a_totp_code(
    live_server: Any, monkeypatch: Any, settings: Any, width: int
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.CHIZAI_MFA_REQUIRED = True
    ensure_cast()
    secret = enrol_totp(get_user_model().objects.get(username="jpo_admin"))
    expect = sync_api.expect

    with chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        shots = Shots(page, f"sign_in_totp_{width}")
        fill_login(page, live_server.url, "jpo_admin")
        expect(page.get_by_role("heading", level=1)).to_have_text("二要素認証")
        shots.take("code")
        page.get_by_label("認証コード").fill("000000" if totp_code(secret) != "000000" else "111111")
        page.get_by_role("button", name="ログイン").click()
        expect(page.locator(".form-error")).to_be_visible()
        page.get_by_label("認証コード").fill(totp_code(secret))
        page.get_by_role("button", name="ログイン").click()
        expect(page.locator(".user-name")).to_have_text("jpo_admin")
        shots.take("signed_in")


def test_a_reviewer_without_a_second_factor_sets_one_up_before_anything_else(
    live_server: Any, monkeypatch: Any, settings: Any
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.CHIZAI_MFA_REQUIRED = True
    ensure_cast()
    expect = sync_api.expect
    requests: list[str] = []

    with chromium_page() as page:
        page.on("request", lambda request: requests.append(request.url))
        shots = Shots(page, "mfa_setup")
        fill_login(page, live_server.url, "kanto_reviewer")
        # Sent to set one up; adding a factor asks for the password once more, then shows the QR code and secret.
        expect(page.get_by_text("二要素認証が必要です")).to_be_visible()
        shots.take("required")
        page.get_by_label("パスワード").fill(CAST_PASSWORD)
        page.get_by_role("button").filter(has_text="確認").click()
        expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
        shots.take("qr")
        page.set_viewport_size({"width": 390, "height": 900})
        shots.take("qr_390")
        secret = page.locator("#authenticator_secret").input_value()
        page.get_by_label("認証アプリコード").fill(totp_code(secret))
        page.get_by_role("button", name="有効化する").click()
        page.goto(f"{live_server.url}/cases/")
        expect(page.locator(".user-name")).to_have_text("kanto_reviewer")
        shots.take("after_setup")

    assert all(url.startswith(live_server.url) for url in requests), [u for u in requests if "127.0.0.1" not in u]
