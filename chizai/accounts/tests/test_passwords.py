"""Password rules after NIST SP 800-63B-4, and the password change and reset pages (allauth's, in Japanese)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from chizai.testing import CAST_PASSWORD

NEW_PASSWORD = "しずかな朝に川を渡る 2026"


def refusal(password: str, user: Any = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


@pytest.mark.parametrize(
    "password",
    [
        "jpo_admin1",
        "Tokkyo2026",
        "Tokkyo2026!!",  # long enough, still the agency's name and a year
        "jpo_admin_2026",
        "Chizai-Password-1",
        "password1234",  # on the common-passwords list
        "123456789012",
        "aaaaaaaaaaaaaaaa",
        "abababababababab",
        "zyxwvutsrqponm",
    ],
)
def test_it_refuses_known_bad_passwords(password: str, jpo_admin: Any) -> None:
    assert refusal(password, jpo_admin)


def test_it_refuses_short_passwords_in_japanese() -> None:
    messages = refusal("kawa-no-oto")  # 11 characters

    assert any("短すぎます" in message and "12" in message for message in messages), messages


def test_it_refuses_a_password_like_the_username(db: None) -> None:
    from django.contrib.auth.models import User

    user = User(username="yamada_taro_chiba", email="yamada@example.lg.jp")
    assert refusal("yamada_taro_chiba1", user)


@pytest.mark.parametrize(
    "password",
    [
        CAST_PASSWORD,
        NEW_PASSWORD,
        "correct horse battery staple",
        "the river by the old mill turns slowly under a grey winter sky ok",  # 65 characters
        "あおいそらとしろいくもとかぜ",  # Japanese only, 14 characters
        "lowercaseonlywords",
    ],
)
def test_it_accepts_long_passwords_without_composition_rules(password: str, tokyo_editor: Any) -> None:
    assert refusal(password, tokyo_editor) == []


def test_it_caps_the_length_well_above_64() -> None:
    assert refusal("a-long-passphrase " * 7 + "x" * 10) != []  # 136 characters
    assert refusal("b" * 40 + " river stones " + "c" * 40) == []  # 94 characters


def test_a_user_changes_their_password_and_their_api_token_is_revoked(tokyo_editor: Any) -> None:
    Token.objects.create(user=tokyo_editor)
    client = Client()
    client.force_login(tokyo_editor)
    page = client.get(reverse("account_change_password"))
    assert page.status_code == 200 and "パスワード変更" in page.content.decode()

    weak = client.post(
        reverse("account_change_password"),
        {"oldpassword": CAST_PASSWORD, "password1": "Tokkyo2026", "password2": "Tokkyo2026"},
    )
    assert weak.status_code == 200 and "短すぎます" in weak.content.decode()
    assert Token.objects.filter(user=tokyo_editor).exists()

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": CAST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    tokyo_editor.refresh_from_db()
    assert tokyo_editor.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(user=tokyo_editor).exists()
    assert client.get("/cases/").status_code == 200  # still signed in on this browser


def test_a_user_resets_a_forgotten_password_by_mail(tokyo_editor: Any, mailoutbox: list[Any]) -> None:
    tokyo_editor.email = "tokyo-editor@example.lg.jp"
    tokyo_editor.save(update_fields=["email"])
    Token.objects.create(user=tokyo_editor)
    client = Client()
    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200 and "パスワードの再設定" in page.content.decode()

    client.post(reverse("account_reset_password"), {"email": "tokyo-editor@example.lg.jp"})

    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["tokyo-editor@example.lg.jp"]
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    path = "/" + link.group(0).split("/", 3)[3]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    form_path = form.redirect_chain[-1][0] if form.redirect_chain else path
    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    tokyo_editor.refresh_from_db()
    assert tokyo_editor.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(user=tokyo_editor).exists()
    # The link works once.
    assert "リンクが無効です" in client.get(path, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(db: None, mailoutbox: list[Any]) -> None:
    response = Client().post(reverse("account_reset_password"), {"email": "nobody@example.lg.jp"})

    assert response.status_code == 302 and response["Location"] == reverse("account_reset_password_done")
    assert mailoutbox == []
