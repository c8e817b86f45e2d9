"""Shared set-up of the real-browser tests: Debian's Chromium driven by Playwright against the live server."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from chizai.organizations.models import Organization
from chizai.organizations.reference import load_reference_organizations
from chizai.testing import create_cast

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
