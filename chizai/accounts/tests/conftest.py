from __future__ import annotations

import uuid
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def own_cache(settings: Any) -> None:
    """A cache of the test's own: allauth keeps used TOTP codes and its rate limits there, and the file cache in
    var/ outlives a test run."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex},
    }


@pytest.fixture
def mfa_required(settings: Any) -> None:
    """Production's rule (CHIZAI_MFA_REQUIRED defaults to on when DEBUG is off); tests run with DEBUG on."""
    settings.CHIZAI_MFA_REQUIRED = True
