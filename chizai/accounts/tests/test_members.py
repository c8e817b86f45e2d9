"""An organisation's administrator invites and disables its own users (and nobody else's), audited."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from chizai.accounts import actions
from chizai.audit.models import AuditEntry
from chizai.organizations.models import Membership, Role
from chizai.testing import CAST_PASSWORD

GOOD_PASSWORD = "みずうみの ほとりで 2026"


@pytest.fixture
def tokyo_admin(org: Any) -> Any:
    user = get_user_model().objects.create_user("tokyo_admin", "admin@metro.example.lg.jp", CAST_PASSWORD)
    Membership.objects.create(user=user, organization=org("pref-13"), role=Role.ADMIN)
    return user


def invite(client: Client, **overrides: str) -> Any:
    data = {
        "username": "suzuki_hanako",
        "email": "suzuki@metro.example.lg.jp",
        "last_name": "鈴木",
        "first_name": "花子",
        "role": "editor",
        **overrides,
    }
    return client.post(reverse("accounts:member_list", args=["pref-13"]), data)


def invitation_path(mail: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/invite/[^\s]+)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_an_organisation_administrator_invites_a_user_who_sets_a_password(
    tokyo_admin: Any, org: Any, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(tokyo_admin)
    page = client.get(reverse("accounts:member_list", args=["pref-13"]))
    assert page.status_code == 200 and "tokyo_editor" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client)

    assert response.status_code == 302
    invitee = get_user_model().objects.get(username="suzuki_hanako")
    assert not invitee.has_usable_password()
    assert Membership.objects.get(user=invitee).organization == org("pref-13")
    entry = AuditEntry.objects.get(action="user.invited", object_id=str(invitee.pk))
    assert entry.actor_id == tokyo_admin.pk
    assert AuditEntry.objects.filter(action="organization.membership.created", actor=tokyo_admin).exists()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["suzuki@metro.example.lg.jp"]
    assert "suzuki_hanako" in mailoutbox[0].body and "東京都" in mailoutbox[0].subject

    path = invitation_path(mailoutbox[0])
    visitor = Client()
    assert "パスワードの設定" in visitor.get(path).content.decode()
    weak = visitor.post(path, {"new_password1": "Tokkyo2026", "new_password2": "Tokkyo2026"})
    assert weak.status_code == 200 and "短すぎます" in weak.content.decode()
    response = visitor.post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert AuditEntry.objects.filter(action="user.invitation_accepted", actor=invitee).exists()

    # The link works once; the password signs in.
    assert "招待リンクが無効です" in visitor.get(path).content.decode()
    assert visitor.post("/login/", {"login": "suzuki_hanako", "password": GOOD_PASSWORD}).status_code == 302


def test_an_invitation_expires(
    tokyo_admin: Any, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any, monkeypatch: Any, settings: Any
) -> None:
    client = Client()
    client.force_login(tokyo_admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client)
    path = invitation_path(mailoutbox[0])
    later = datetime.datetime.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(actions.InviteTokenGenerator, "_now", lambda self: later)

    assert "招待リンクが無効です" in Client().get(path).content.decode()


def test_a_password_reset_link_is_no_invitation(tokyo_admin: Any) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    invitee = actions.invite_member(
        actor=tokyo_admin,
        organization=Membership.objects.get(user=tokyo_admin).organization,
        username="a_b",
        email="ab@example.lg.jp",
    )
    uidb64 = urlsafe_base64_encode(force_bytes(invitee.pk))
    path = reverse("accounts:accept_invite", args=[uidb64, default_token_generator.make_token(invitee)])

    assert "招待リンクが無効です" in Client().get(path).content.decode()


def test_an_organisation_administrator_cannot_invite_into_another_organisation(
    tokyo_admin: Any, org: Any, mailoutbox: list[Any]
) -> None:
    client = Client()
    client.force_login(tokyo_admin)

    assert client.get(reverse("accounts:member_list", args=["pref-27"])).status_code == 404
    assert client.post(reverse("accounts:member_list", args=["pref-27"]), {"username": "x_y"}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.invite_member(actor=tokyo_admin, organization=org("pref-27"), username="x_y", email="x@example.jp")
    # A body they see but do not administer (JPO): refused.
    assert client.get(reverse("accounts:member_list", args=["jpo"])).status_code == 403
    assert not get_user_model().objects.filter(username="x_y").exists() and mailoutbox == []


@pytest.mark.parametrize("username", ["tokyo_editor", "tokyo_viewer", "kanto_reviewer"])
def test_only_administrators_manage_users(db: None, username: str, request: Any) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(username))

    response = invite(client)

    assert response.status_code == 403 if username != "kanto_reviewer" else response.status_code in (403, 404)
    assert not get_user_model().objects.filter(username="suzuki_hanako").exists()


def test_an_organisation_administrator_disables_and_enables_a_user(tokyo_admin: Any, tokyo_viewer: Any) -> None:
    client = Client()
    client.force_login(tokyo_admin)
    url = reverse("accounts:member_active", args=["pref-13", tokyo_viewer.pk])

    assert client.post(url, {"active": "0"}).status_code == 302

    tokyo_viewer.refresh_from_db()
    assert not tokyo_viewer.is_active
    entry = AuditEntry.objects.get(action="user.disabled", object_id=str(tokyo_viewer.pk))
    assert entry.actor_id == tokyo_admin.pk and entry.changes["is_active"] == [True, False]
    refused = Client().post("/login/", {"login": "tokyo_viewer", "password": CAST_PASSWORD})
    assert refused.status_code != 302 or refused["Location"] != "/"

    client.post(url, {"active": "1"})
    tokyo_viewer.refresh_from_db()
    assert tokyo_viewer.is_active
    assert AuditEntry.objects.filter(action="user.enabled", object_id=str(tokyo_viewer.pk)).exists()


def test_a_disabled_users_session_ends(tokyo_admin: Any, tokyo_viewer: Any) -> None:
    viewer = Client()
    viewer.force_login(tokyo_viewer)
    assert viewer.get("/cases/").status_code == 200

    actions.set_member_active(
        actor=tokyo_admin, organization=tokyo_admin.memberships.get().organization, user=tokyo_viewer, active=False
    )

    assert viewer.get("/cases/").status_code == 302


def test_an_administrator_cannot_disable_users_of_other_bodies_or_shared_users(
    tokyo_admin: Any, osaka_editor: Any, kanagawa_editor: Any, org: Any
) -> None:
    client = Client()
    client.force_login(tokyo_admin)
    # Someone of another body: not found among this body's users.
    other = reverse("accounts:member_active", args=["pref-13", osaka_editor.pk])
    assert client.post(other, {"active": "0"}).status_code == 404
    # Someone who belongs to this body and another: the admin decides, not one body.
    Membership.objects.create(user=kanagawa_editor, organization=org("pref-13"), role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        actions.set_member_active(actor=tokyo_admin, organization=org("pref-13"), user=kanagawa_editor, active=False)
    osaka_editor.refresh_from_db()
    kanagawa_editor.refresh_from_db()
    assert osaka_editor.is_active and kanagawa_editor.is_active
