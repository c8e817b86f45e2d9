"""Shared test support: the named cast of users, which the demo uses too (chizai.organizations.demo_users)."""

from django.db import connection

from chizai.organizations.demo_users import CAST, CAST_PASSWORD, CAST_USERNAMES, CastMember, create_cast

__all__ = [
    "CAST",
    "CAST_PASSWORD",
    "CAST_USERNAMES",
    "NAVIGATION_QUERIES",
    "CastMember",
    "analyze_for_planner",
    "create_cast",
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
