"""Shared test support: the named cast of users, which the demo uses too (chizai.organizations.demo_users)."""

from chizai.organizations.demo_users import CAST, CAST_PASSWORD, CAST_USERNAMES, CastMember, create_cast

__all__ = ["CAST", "CAST_PASSWORD", "CAST_USERNAMES", "NAVIGATION_QUERIES", "CastMember", "create_cast"]

# What the signed-in menu costs on every page (chizai.search.navigation): the data's generation, then the plan,
# period and badges in one query, unless a kept answer for this generation, day and user exists.
NAVIGATION_QUERIES = 2
