"""The token page: a user issues, regenerates and revokes their own token; audited without the key."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.auth.forms import PasswordChangeForm
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chizai.api.actions import issue_token
from chizai.api.authentication import EXPIRED, READ_ONLY
from chizai.api.models import TokenPolicy
from chizai.audit.models import AuditEntry


def issue(client: Any) -> str:
    response = client.post("/api/token/", {"action": "issue"})
    assert response.status_code == 200
    match = re.search(r'id="new-token"[^>]*value="([0-9a-f]{40})"', response.content.decode())
    assert match, "the new key is shown once, on the page that created it"
    return match.group(1)


def api_status(key: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/plans/").status_code


def test_it_asks_for_a_login_first(client: Any, db: None) -> None:
    response = client.get("/api/token/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_issues_a_token_that_opens_the_api_and_audits_it_without_the_key(
    client: Any, login: Any, tokyo_editor: Any
) -> None:
    login(client, tokyo_editor)
    assert "まだ発行されていません" in client.get("/api/token/").content.decode()
    key = issue(client)
    assert api_status(key) == 200
    entry = AuditEntry.objects.get(action="api.token.created")
    assert (entry.actor, entry.object_type, entry.object_id) == (tokyo_editor, "authtoken.token", str(tokyo_editor.pk))
    recorded = json.dumps([entry.changes, entry.object_repr, entry.object_id, entry.reason], ensure_ascii=False)
    assert key not in recorded
    assert key not in client.get("/api/token/").content.decode(), "the key is never shown again"


def test_it_regenerates_a_token_and_the_old_one_stops_working(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    old = issue(client)
    new = issue(client)
    assert old != new
    assert (api_status(old), api_status(new)) == (401, 200)
    assert AuditEntry.objects.filter(action="api.token.regenerated").count() == 1


def test_it_revokes_a_token(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    key = issue(client)
    response = client.post("/api/token/", {"action": "revoke"}, follow=True)
    assert "APIトークンを無効にしました" in response.content.decode()
    assert api_status(key) == 401
    assert not Token.objects.filter(user=tokyo_editor).exists()
    assert AuditEntry.objects.filter(action="api.token.revoked", actor=tokyo_editor).count() == 1


def test_it_audits_a_token_created_and_deleted_in_the_admin_without_the_key(
    admin_client: Any, tokyo_editor: Any
) -> None:
    response = admin_client.post("/admin/authtoken/tokenproxy/add/", {"user": tokyo_editor.pk})

    assert response.status_code == 302
    token = Token.objects.get(user=tokyo_editor)
    created = AuditEntry.objects.get(action="api.token.created", object_id=str(tokyo_editor.pk))
    assert created.reason == "管理画面" and created.actor is not None
    assert token.key not in json.dumps([created.changes, created.object_repr], ensure_ascii=False)
    admin_client.get("/admin/authtoken/tokenproxy/")  # shows the new key once, in the message of its creation
    assert token.key not in admin_client.get("/admin/authtoken/tokenproxy/").content.decode()
    assert not LogEntry.objects.filter(object_repr__contains=token.key).exists()

    response = admin_client.post(f"/admin/authtoken/tokenproxy/{tokyo_editor.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not Token.objects.filter(user=tokyo_editor).exists()
    assert AuditEntry.objects.filter(action="api.token.revoked", reason="管理画面").count() == 1


def kpi_write_status(key: str) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").post("/api/kpis/", {}, format="json").status_code


def test_it_gives_a_token_90_days_unless_the_user_picks_fewer(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    issue(client)
    life = TokenPolicy.objects.get(token__user=tokyo_editor).expires_at - timezone.now()
    assert datetime.timedelta(days=89, hours=23) < life <= datetime.timedelta(days=90)

    client.post("/api/token/", {"action": "issue", "days": "7"})
    life = TokenPolicy.objects.get(token__user=tokyo_editor).expires_at - timezone.now()
    assert life <= datetime.timedelta(days=7)
    assert "有効期限" in client.get("/api/token/").content.decode()


def test_it_refuses_a_life_longer_than_the_deployment_allows(
    client: Any, login: Any, tokyo_editor: Any, settings: Any
) -> None:
    settings.API_TOKEN_DAYS = 30
    login(client, tokyo_editor)
    response = client.post("/api/token/", {"action": "issue", "days": "31"}, follow=True)
    assert "1日から30日まで" in response.content.decode()
    assert not Token.objects.filter(user=tokyo_editor).exists()


def test_it_answers_401_in_japanese_to_an_expired_token(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    key = issue(client)
    TokenPolicy.objects.filter(token_id=key).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/plans/")

    assert response.status_code == 401
    assert response.json() == {"detail": EXPIRED, "errors": {}}


def test_it_refuses_a_token_made_without_a_policy(tokyo_editor: Any) -> None:
    token = Token.objects.create(user=tokyo_editor)
    assert api_status(token.key) == 401


def test_it_lets_a_read_only_token_read_but_not_write(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    client.post("/api/token/", {"action": "issue", "read_only": "on"})
    key = Token.objects.get(user=tokyo_editor).key
    api_client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get("/api/kpis/").status_code == 200
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api_client, method)("/api/kpis/1/", {}, format="json")
        assert response.status_code == 403, method
        assert response.json() == {"detail": READ_ONLY, "errors": {}}
    assert "読み取り専用" in client.get("/api/token/").content.decode()


def test_it_lets_a_full_token_write(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    key = issue(client)
    assert kpi_write_status(key) == 400  # the empty body is refused, not the token


def test_it_revokes_the_token_when_the_password_changes(client: Any, login: Any, tokyo_editor: Any) -> None:
    login(client, tokyo_editor)
    key = issue(client)

    tokyo_editor.set_password("a new long passphrase for tokyo")
    tokyo_editor.save()

    assert api_status(key) == 401
    assert not Token.objects.filter(user=tokyo_editor).exists()
    entry = AuditEntry.objects.get(action="api.token.revoked")
    assert entry.reason == "パスワード変更" and key not in json.dumps(entry.changes, ensure_ascii=False)


def test_it_keeps_the_token_when_the_user_is_saved_without_a_new_password(tokyo_editor: Any) -> None:
    token = issue_token(user=tokyo_editor, actor=tokyo_editor)
    tokyo_editor.first_name = "太郎"
    tokyo_editor.save()
    tokyo_editor.last_login = timezone.now()
    tokyo_editor.save(update_fields=["last_login"])
    assert api_status(token.key) == 200


def test_it_revokes_the_token_through_djangos_password_change_form(tokyo_editor: Any) -> None:
    token = issue_token(user=tokyo_editor, actor=tokyo_editor)
    tokyo_editor.set_password("old passphrase of tokyo editor")
    tokyo_editor.save()
    token = issue_token(user=tokyo_editor, actor=tokyo_editor)
    form = PasswordChangeForm(
        tokyo_editor,
        {
            "old_password": "old passphrase of tokyo editor",
            "new_password1": "new passphrase of tokyo editor",
            "new_password2": "new passphrase of tokyo editor",
        },
    )
    assert form.is_valid(), form.errors
    form.save()
    assert api_status(token.key) == 401


def test_it_never_lists_a_key_in_the_admin(admin_client: Any, tokyo_editor: Any) -> None:
    token = issue_token(user=tokyo_editor, actor=tokyo_editor, read_only=True)
    listing = admin_client.get("/admin/authtoken/tokenproxy/").content.decode()
    pages = [
        admin_client.get(f"/admin/authtoken/tokenproxy/{tokyo_editor.pk}/{page}/").content.decode()
        for page in ("change", "delete", "history")
    ]
    assert all(token.key not in page for page in [listing, *pages])
    assert "tokyo_editor のAPIトークン" in pages[1]
    assert "tokyo_editor" in listing
