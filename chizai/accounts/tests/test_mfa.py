"""The second factor: required for administrators and reviewers when CHIZAI_MFA_REQUIRED (production's
default), offered to everyone; TOTP and recovery codes sign in; the admin's login is the same door."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.test import Client
from django.urls import reverse

from chizai.accounts.testing import enrol_totp, totp_code
from chizai.testing import CAST_PASSWORD

MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"


def sign_in(client: Client, username: str, password: str = CAST_PASSWORD, next_url: str = "") -> Any:
    data = {"login": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_default_follows_debug() -> None:
    # Tests run with DEBUG=1: the demo's logins work by password alone; production (DEBUG off) requires it.
    assert settings.CHIZAI_MFA_REQUIRED is False


@pytest.mark.parametrize("username", ["jpo_admin", "kanto_reviewer"])
def test_an_administrator_or_reviewer_without_a_second_factor_must_set_one_up_first(
    db: None, mfa_required: None, username: str, request: Any
) -> None:
    request.getfixturevalue(username)
    client = Client()
    assert sign_in(client, username).status_code == 302

    for page in ("/", "/cases/", "/api/token/", "/admin/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), page

    # Adding a second factor asks for the password again (allauth's reauthentication), then shows the QR code.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": CAST_PASSWORD})
    assert response.status_code == 302
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    body = setup.content.decode()
    assert "二要素認証が必要です" in body
    assert "data:image/svg+xml;base64," in body  # the QR code is drawn here, not fetched from elsewhere

    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200


def test_an_editor_is_offered_but_not_required_a_second_factor(mfa_required: None, tokyo_editor: Any) -> None:
    client = Client()
    sign_in(client, "tokyo_editor")

    assert client.get("/cases/").status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


def test_a_totp_login_asks_for_the_code_and_signs_in_with_it(tokyo_editor: Any) -> None:
    secret = enrol_totp(tokyo_editor)
    client = Client()

    response = sign_in(client, "tokyo_editor")
    assert response.status_code == 302 and response["Location"] == MFA_AUTHENTICATE
    assert not signed_in(client)  # the password alone does not sign in
    page = client.get(MFA_AUTHENTICATE).content.decode()
    assert "二要素認証" in page and "認証コード" in page

    wrong = client.post(MFA_AUTHENTICATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and not signed_in(client)

    response = client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    assert response.status_code == 302 and signed_in(client)


def test_a_totp_code_is_accepted_once(tokyo_editor: Any) -> None:
    secret = enrol_totp(tokyo_editor)
    code = totp_code(secret)
    first, second = Client(), Client()
    sign_in(first, "tokyo_editor")
    first.post(MFA_AUTHENTICATE, {"code": code})
    sign_in(second, "tokyo_editor")

    second.post(MFA_AUTHENTICATE, {"code": code})

    assert signed_in(first) and not signed_in(second)


def test_a_recovery_code_signs_in_once(tokyo_editor: Any) -> None:
    enrol_totp(tokyo_editor)
    codes = RecoveryCodes.activate(tokyo_editor).get_unused_codes()
    first, second = Client(), Client()

    sign_in(first, "tokyo_editor")
    first.post(MFA_AUTHENTICATE, {"code": codes[0]})
    sign_in(second, "tokyo_editor")
    second.post(MFA_AUTHENTICATE, {"code": codes[0]})

    assert signed_in(first) and not signed_in(second)
    assert len(
        RecoveryCodes(Authenticator.objects.get(user=tokyo_editor, type="recovery_codes")).get_unused_codes()
    ) == (len(codes) - 1)


def test_the_admin_login_is_the_same_door_with_its_second_factor(mfa_required: None, jpo_admin: Any) -> None:
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save(update_fields=["is_staff", "is_superuser"])
    secret = enrol_totp(jpo_admin)
    client = Client()

    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2F"
    # Django's own admin form is never shown: a POST to it goes to the same login.
    posted = client.post("/admin/login/", {"username": "jpo_admin", "password": CAST_PASSWORD})
    assert posted.status_code == 302 and not signed_in(client)

    response = sign_in(client, "jpo_admin", next_url="/admin/")
    assert response["Location"] == MFA_AUTHENTICATE and not signed_in(client)
    response = client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_required_user_cannot_remove_their_only_authenticator(mfa_required: None, kanto_reviewer: Any) -> None:
    enrol_totp(kanto_reviewer)
    client = Client()
    client.force_login(kanto_reviewer)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(kanto_reviewer.pk)
    session.save()

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code != 302 or "reauthenticate" not in response["Location"]
    assert Authenticator.objects.filter(user=kanto_reviewer, type="totp").exists()


def test_a_session_ends_eight_hours_after_sign_in(tokyo_editor: Any, monkeypatch: Any) -> None:
    from chizai.accounts import middleware

    client = Client()
    sign_in(client, "tokyo_editor")
    assert client.get("/cases/").status_code == 200
    now = time.time()
    monkeypatch.setattr(middleware.time, "time", lambda: now + 8 * 3600 + 5)

    response = client.get("/cases/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not signed_in(client)
