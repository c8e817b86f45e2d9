"""Shared set-up of the real-browser tests: Debian's Chromium driven by Playwright against the live server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from chizai.organizations.models import Organization
from chizai.organizations.reference import load_reference_organizations
from chizai.testing import CAST_PASSWORD, create_cast

ARTIFACTS = Path(settings.PROJECT_DIR) / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Never a downloaded browser; no background requests (the machine, like LGWAN, has no internet).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000

# The live server runs in another thread, so the test is transactional; `serialized_rollback` restores the
# session's reference organisations and cast.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's /usr/bin/chromium is not installed"),
]


def ensure_cast() -> None:
    """The session's reference data normally survives (serialized rollback); recreate it if it did not."""
    if not Organization.objects.filter(code="pref-13").exists():
        load_reference_organizations()
    if not get_user_model().objects.filter(username="tokyo_editor").exists():
        create_cast()


@contextmanager
def chromium_page(**page_options: Any) -> Iterator[Any]:
    """A page of Debian's headless Chromium (1280×900, Japanese locale), closed afterwards.

    Sets Playwright's `expect` timeout too, so each test only asks for the page.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP", **page_options)
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def log_in(page: Any, base_url: str, username: str) -> None:
    """Log in through the login form, as a person does, and wait for the user's name in the header."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(CAST_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator(".user-name")).to_have_text(username)


class Shots:
    """Numbered full-page screenshots of a journey: test-artifacts/<prefix>_01_<name>.png, …"""

    def __init__(self, page: Any, prefix: str) -> None:
        self.page = page
        self.prefix = prefix
        self.paths: list[Path] = []
        ARTIFACTS.mkdir(exist_ok=True)

    def take(self, name: str) -> None:
        path = ARTIFACTS / f"{self.prefix}_{len(self.paths) + 1:02d}_{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.paths.append(path)
