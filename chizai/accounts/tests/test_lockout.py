"""Lockout after repeated failures (django-axes): the sixth attempt is refused even with the right password,
with a Japanese page, until an administrator unlocks the user; both are audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from chizai.audit.models import AuditEntry
from chizai.testing import CAST_PASSWORD


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"login": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_it_refuses_the_sixth_attempt_even_with_the_right_password(tokyo_editor: Any) -> None:
    client = Client()
    for _ in range(4):
        response = sign_in(client, "tokyo_editor", "wrong-password-123")
        assert response.status_code == 200 and not signed_in(client)
        assert "ユーザー名もしくはパスワードが正しくありません" in response.content.decode()
    assert sign_in(client, "tokyo_editor", "wrong-password-123").status_code == 429  # the fifth failure locks

    response = sign_in(client, "tokyo_editor", CAST_PASSWORD)

    assert response.status_code == 429
    assert "ログインを一時停止しています" in response.content.decode()
    assert not signed_in(client)
    # Every refused attempt while locked out is recorded (the lockout, then the sixth), by the system.
    entries = AuditEntry.objects.filter(action="user.locked_out", object_id=str(tokyo_editor.pk))
    assert entries.count() == 2 and {entry.actor for entry in entries} == {None}


def test_it_counts_failures_per_username_and_address(tokyo_editor: Any, tokyo_viewer: Any) -> None:
    for _ in range(5):
        sign_in(Client(), "tokyo_editor", "wrong-password-123")

    # Another user at the same address, and the same user from another address, are not locked out.
    assert sign_in(Client(), "tokyo_viewer", CAST_PASSWORD).status_code == 302
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert sign_in(other_address, "tokyo_editor", CAST_PASSWORD).status_code == 302
    assert sign_in(Client(), "TOKYO_EDITOR", CAST_PASSWORD).status_code == 429  # the name's case does not matter


def test_a_success_before_the_limit_clears_the_count(tokyo_editor: Any) -> None:
    for _ in range(4):
        sign_in(Client(), "tokyo_editor", "wrong-password-123")
    assert sign_in(Client(), "tokyo_editor", CAST_PASSWORD).status_code == 302
    for _ in range(4):
        sign_in(Client(), "tokyo_editor", "wrong-password-123")

    assert sign_in(Client(), "tokyo_editor", CAST_PASSWORD).status_code == 302


def test_an_administrator_unlocks_the_user_in_the_admin(tokyo_editor: Any, jpo_admin: Any) -> None:
    for _ in range(5):
        sign_in(Client(), "tokyo_editor", "wrong-password-123")
    assert sign_in(Client(), "tokyo_editor", CAST_PASSWORD).status_code == 429
    admin = get_user_model().objects.create_superuser("it_admin", "it@example.lg.jp", "unused-Passphrase-2026")
    admin_client = Client()
    admin_client.force_login(admin)

    response = admin_client.post(
        "/admin/auth/user/", {"action": "unlock_users", "_selected_action": [str(tokyo_editor.pk)]}, follow=True
    )

    assert "1人のロックを解除しました" in response.content.decode()
    client = Client()
    assert sign_in(client, "tokyo_editor", CAST_PASSWORD).status_code == 302 and signed_in(client)
    entry = AuditEntry.objects.filter(action="user.unlocked", object_id=str(tokyo_editor.pk)).get()
    assert entry.actor_id == admin.pk


def test_the_failed_attempts_are_listed_in_the_admin(tokyo_editor: Any) -> None:
    for _ in range(2):
        sign_in(Client(), "tokyo_editor", "wrong-password-123")
    admin = get_user_model().objects.create_superuser("it_admin", "it@example.lg.jp", "unused-Passphrase-2026")
    client = Client()
    client.force_login(admin)

    response = client.get("/admin/axes/accessattempt/")

    assert response.status_code == 200 and "tokyo_editor" in response.content.decode()
