"""Shared test support: the named cast of users, which the demo uses too (chizai.organizations.demo_users)."""

from chizai.organizations.demo_users import CAST, CAST_PASSWORD, CAST_USERNAMES, CastMember, create_cast

__all__ = ["CAST", "CAST_PASSWORD", "CAST_USERNAMES", "CastMember", "create_cast"]
