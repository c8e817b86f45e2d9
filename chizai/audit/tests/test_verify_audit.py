"""`chizai verify_audit`: an untouched chain verifies; a changed, removed, inserted or reordered entry is named."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from chizai.audit import chain
from chizai.audit.log import log
from chizai.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(org: Callable[[str], Any]) -> list[AuditEntry]:
    tokyo = org("pref-13")
    made = [log(None, "organization.updated", tokyo, {"name": "東京都"}, {"name": f"東京都{n}"}) for n in range(3)]
    return [entry for entry in made if entry is not None]


def sql(statement: str, params: list[Any]) -> None:
    """Tamper as someone with database access would, past the application and its triggers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER IF EXISTS audit_entry_append_only"
            + (" ON audit_auditentry" if connection.vendor == "postgresql" else "")
        )
        cursor.execute(statement, params)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_it_verifies_an_untouched_chain(entries: list[AuditEntry]) -> None:
    assert f"{AuditEntry.objects.count()}件 を検証しました" in verify()


def test_it_names_an_entry_whose_values_were_changed(entries: list[AuditEntry]) -> None:
    sql("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"name": ["東京都", "大阪府"]}', entries[1].pk])

    with pytest.raises(CommandError, match=f"ID {entries[1].pk}（.*）の内容が記録時から変更されています"):
        verify()


def test_it_finds_a_removed_entry(entries: list[AuditEntry]) -> None:
    sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])

    with pytest.raises(CommandError, match=f"ID {entries[2].pk}（.*）の直前の項目が記録と一致しません"):
        verify()


def test_it_finds_a_removed_last_entry(entries: list[AuditEntry]) -> None:
    sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])

    with pytest.raises(CommandError, match="末尾の変更履歴が削除・追加されています"):
        verify()


def test_it_finds_entries_put_in_another_order(entries: list[AuditEntry]) -> None:
    first, second = entries[0].pk, entries[1].pk
    sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [-1, first])
    sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [first, second])
    sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [second, -1])

    with pytest.raises(CommandError, match=f"ID {first}（.*）の直前の項目が記録と一致しません"):
        verify()


def test_it_finds_a_changed_entry_whose_hash_was_recomputed(entries: list[AuditEntry]) -> None:
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.reason = "偽の理由"
    sql(
        "UPDATE audit_auditentry SET reason = %s, entry_hash = %s WHERE id = %s",
        [forged.reason, chain.entry_hash(forged), forged.pk],
    )

    with pytest.raises(CommandError, match=f"ID {entries[2].pk}（.*）の直前の項目が記録と一致しません"):
        verify()


def test_it_finds_an_entry_inserted_into_the_chain(entries: list[AuditEntry]) -> None:
    last = entries[2].pk
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.reason, forged.previous_hash = "後から挿入", entries[1].entry_hash  # linked as a careful forger would
    sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [last + 100, last])
    sql(
        "INSERT INTO audit_auditentry (id, at, actor_label, action, kind, object_type, object_id, object_repr, "
        "changes, reason, request_id, previous_hash, entry_hash) SELECT %s, at, actor_label, action, kind, "
        "object_type, object_id, object_repr, changes, %s, request_id, %s, %s FROM audit_auditentry WHERE id = %s",
        [last, forged.reason, forged.previous_hash, chain.entry_hash(forged), forged.pk],
    )

    with pytest.raises(CommandError, match=f"ID {last + 100}（.*）の直前の項目が記録と一致しません"):
        verify()
