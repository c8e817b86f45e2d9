"""Project-wide pytest fixtures: reference organisations and the named cast, loaded once per session.

App-specific fixtures belong in the app's own conftest.py. Tests with `transaction=True` should also ask
for `serialized_rollback=True`, so that the reference data is restored after the flush.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connections

from chizai.organizations.models import Organization
from chizai.organizations.reference import load_reference_organizations
from chizai.testing import analyze_for_planner, create_cast

# Tests share one database whose rows roll back, and their fixtures write rows directly: page fragments cached
# under the data's generation (chizai.audit.generation) are off, but for the tests that turn them on
# (`fragment_cache`).
settings.CACHES = {**settings.CACHES, "fragments": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def fragment_cache(settings: Any) -> Iterator[None]:
    """Page fragments cached in memory for this test, as in production."""
    settings.CACHES = {**settings.CACHES, "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database with the reference organisations and the cast, created once per session."""
    with django_db_blocker.unblock():
        load_reference_organizations()
        create_cast()
        analyze_for_planner()
        # Serialized-rollback tests restore this snapshot: let it include the data just loaded.
        for connection in connections.all():
            if hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield


def _cast_user(username: str) -> Any:
    """A fresh copy from the database, so that per-request caches (memberships) never leak between tests."""
    return get_user_model().objects.get(username=username)


# The cast (chizai.testing.CAST): function-scoped, each a fresh `User`.
@pytest.fixture
def jpo_admin(db: None) -> Any:
    return _cast_user("jpo_admin")


@pytest.fixture
def jpo_viewer(db: None) -> Any:
    return _cast_user("jpo_viewer")


@pytest.fixture
def kanto_reviewer(db: None) -> Any:
    return _cast_user("kanto_reviewer")


@pytest.fixture
def kinki_reviewer(db: None) -> Any:
    return _cast_user("kinki_reviewer")


@pytest.fixture
def tokyo_editor(db: None) -> Any:
    return _cast_user("tokyo_editor")


@pytest.fixture
def tokyo_viewer(db: None) -> Any:
    return _cast_user("tokyo_viewer")


@pytest.fixture
def kanagawa_editor(db: None) -> Any:
    return _cast_user("kanagawa_editor")


@pytest.fixture
def osaka_editor(db: None) -> Any:
    return _cast_user("osaka_editor")


@pytest.fixture
def inpit_editor(db: None) -> Any:
    return _cast_user("inpit_editor")


@pytest.fixture
def tokyo_window_editor(db: None) -> Any:
    return _cast_user("tokyo_window_editor")


@pytest.fixture
def org(db: None) -> Callable[[str], Organization]:
    """`org(code)`: the reference organisation with that code, fresh from the database."""

    def get(code: str) -> Organization:
        return Organization.objects.get(code=code)

    return get


@pytest.fixture
def login() -> Callable[[Any, Any], Any]:
    """`login(client, user)`: log the user in on the test client (no password check); returns the client."""

    def do_login(client: Any, user: Any) -> Any:
        client.force_login(user)
        return client

    return do_login
