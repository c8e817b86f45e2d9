"""Fixtures shared by the cross-app contract tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from chizai.testing import analyze_for_planner
from chizai.tests.world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The demo world (an object of every kind, for two bodies), built once per module and rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            analyze_for_planner()
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
