"""The named demo and test users (the cast) and `create_cast()`.

`make run`'s demo prints these logins; the test suite creates the same users once per session
(`chizai/conftest.py`). Every member's password is `CAST_PASSWORD`. Synthetic users, never real officials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from chizai.organizations.models import Membership, Organization, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

CAST_PASSWORD = "pass-1234-chizai"


@dataclass(frozen=True)
class CastMember:
    username: str
    organization_code: str
    role: Role
    description: str


CAST: tuple[CastMember, ...] = (
    CastMember("jpo_admin", "jpo", Role.ADMIN, "特許庁の管理者: 全体を閲覧・編集・審査"),
    CastMember("jpo_viewer", "jpo", Role.VIEWER, "特許庁の閲覧者: 全体を閲覧のみ"),
    CastMember("kanto_reviewer", "bureau-kanto", Role.REVIEWER, "関東局の審査者: 関東ブロックを閲覧・審査"),
    CastMember("kinki_reviewer", "bureau-kinki", Role.REVIEWER, "近畿局の審査者: 近畿ブロックを閲覧・審査"),
    CastMember("tokyo_editor", "pref-13", Role.EDITOR, "東京都の編集者"),
    CastMember("tokyo_viewer", "pref-13", Role.VIEWER, "東京都の閲覧者"),
    CastMember("kanagawa_editor", "pref-14", Role.EDITOR, "神奈川県の編集者（東京都と同じ関東ブロック）"),
    CastMember("osaka_editor", "pref-27", Role.EDITOR, "大阪府の編集者（近畿ブロック）"),
    CastMember("inpit_editor", "inpit", Role.EDITOR, "INPIT の編集者"),
    CastMember("tokyo_window_editor", "window-13", Role.EDITOR, "東京都知財総合支援窓口の編集者"),
)

CAST_USERNAMES: tuple[str, ...] = tuple(member.username for member in CAST)


def create_cast(password: str = CAST_PASSWORD, *, reset_passwords: bool = False) -> dict[str, AbstractBaseUser]:
    """Create (or bring up to date) the cast users and their memberships; idempotent.

    An existing user keeps its password unless `reset_passwords` is set.
    Needs the reference organisations (`load_reference_organizations()`) to be loaded first.
    """
    User = get_user_model()
    codes = {member.organization_code for member in CAST}
    organizations = Organization.objects.filter(code__in=codes).in_bulk(field_name="code")
    missing = sorted(codes - set(organizations))
    if missing:
        raise ValueError(
            f"関係主体が登録されていません（先に setup_reference を実行してください）: {', '.join(missing)}"
        )
    hashed = make_password(password)  # hashed once: hashing is deliberately slow
    users: dict[str, AbstractBaseUser] = {}
    with transaction.atomic():
        for member in CAST:
            user, created = User.objects.get_or_create(
                username=member.username, defaults={"email": f"{member.username}@example.invalid"}
            )
            if created or reset_passwords:
                user.password = hashed
                user.save(update_fields=["password"])
            Membership.objects.update_or_create(
                user=user,
                organization=organizations[member.organization_code],
                defaults={"role": member.role},
            )
            users[member.username] = user
    return users


def demo_member(
    *, username: str, organization: Organization, role: str, password_hash: Callable[[], str]
) -> tuple[AbstractBaseUser, bool]:
    """A demo user beyond the cast (a demo loader's extra members) with its membership; idempotent.

    `password_hash` is called only when the user is new (hashing is deliberately slow). Returns the user and
    whether it was created.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.invalid", "password": ""}
    )
    if created:
        user.password = password_hash()
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, organization=organization, defaults={"role": role})
    return user, created


def make_superuser(username: str) -> None:
    """Give a demo user the Django admin (is_staff and is_superuser); nothing is written when it has both."""
    User = get_user_model()
    user = User.objects.get(username=username)
    if not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
