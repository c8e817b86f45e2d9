"""Shared test support: the named cast of users, which the demo uses too (chizai.organizations.demo_users)."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from chizai.organizations.demo_users import CAST, CAST_PASSWORD, CAST_USERNAMES, CastMember, create_cast

__all__ = [
    "CAST",
    "CAST_PASSWORD",
    "CAST_USERNAMES",
    "NAVIGATION_QUERIES",
    "CastMember",
    "analyze_for_planner",
    "create_cast",
    "demo_for_module",
]

# What the signed-in menu costs on every page (chizai.search.navigation): the data's generation, then the plan,
# period and badges in one query, unless a kept answer for this generation, day and user exists.
NAVIGATION_QUERIES = 2


def analyze_for_planner() -> None:
    """Let PostgreSQL's planner know the rows a module-wide fixture has just written in its open transaction.

    Without statistics it takes every table for nearly empty and may nest loops over thousands of rows
    (a block's survey figures once ran for many minutes). ANALYZE inside a transaction counts its own rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def demo_for_module(django_db_blocker: Any) -> Iterator[str]:
    """Plan 3 and the demo, loaded once for a test module (it takes seconds) and rolled back after it; each test
    runs inside it and is rolled back to it. Yields what `load_demo` printed.

    A test that asks for a fixture built on this must ask for `db` too, or pytest-django runs it after the tests
    that flush the database."""
    plan_3 = Path(settings.PROJECT_DIR) / "plans" / "3rd_regional_ip_action_plan.yaml"
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_plan", str(plan_3), verbosity=0, stdout=StringIO())
        output = StringIO()
        call_command("load_demo", stdout=output)
        analyze_for_planner()
        yield output.getvalue()
        transaction.set_rollback(True)
