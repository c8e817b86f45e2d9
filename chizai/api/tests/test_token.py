"""The token page: a user issues, regenerates and revokes their own token; audited without the key."""

from __future__ import annotations

import json
import re
from typing import Any

from django.contrib.admin.models import LogEntry
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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
