"""Shared test support: the named cast of users, which the demo uses too (chizai.organizations.demo_users)."""

from chizai.organizations.demo_users import CAST, CAST_PASSWORD, CAST_USERNAMES, CastMember, create_cast

__all__ = ["CAST", "CAST_PASSWORD", "CAST_USERNAMES", "NAVIGATION_QUERIES", "CastMember", "create_cast"]

# What the signed-in menu costs on every page (chizai.search.navigation: plan, period and badges in one query).
NAVIGATION_QUERIES = 1
