"""The audit log is append-only and hash-chained: each entry's hash covers its facts and the previous hash."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from chizai.audit import chain
from chizai.audit.log import build_entry, draft, entry_inserter, log, log_access, save_drafts, save_entries
from chizai.audit.models import AppendOnlyError, AuditChainHead, AuditEntry
from chizai.organizations.models import Organization

pytestmark = pytest.mark.django_db


def renamed(organization: Organization, name: str, actor: Any = None) -> AuditEntry:
    entry = log(actor, "organization.updated", organization, {"name": organization.name}, {"name": name})
    assert entry is not None
    return entry


def test_it_links_each_entry_to_the_one_before(org: Any) -> None:
    first = renamed(org("pref-13"), "東京都（一）")
    second = renamed(org("pref-13"), "東京都（二）")

    assert second.previous_hash == first.entry_hash
    assert AuditChainHead.objects.get().last_hash == second.entry_hash


def test_it_hashes_what_the_database_gives_back(org: Any) -> None:
    written = renamed(org("pref-13"), "東京都\r\n（改称）")

    stored = AuditEntry.objects.get(pk=written.pk)

    assert chain.entry_hash(stored) == stored.entry_hash == written.entry_hash
    assert len(stored.entry_hash) == 64


def test_it_chains_a_batch_in_order_with_one_lock(org: Any) -> None:
    tokyo = org("pref-13")
    entries = [build_entry(None, "organization.updated", tokyo, {"name": "a"}, {"name": str(n)}) for n in range(5)]
    before = AuditChainHead.objects.get().last_hash if AuditChainHead.objects.exists() else chain.GENESIS

    saved = save_entries([None, *entries])

    assert [entry.previous_hash for entry in saved] == [before] + [entry.entry_hash for entry in saved[:-1]]


def test_entries_drafted_ahead_hash_as_if_built_in_the_transaction(org: Any) -> None:
    """A bulk writer drafts entries before its transaction; the chained text is the same `canonical` text."""
    tokyo = org("pref-13")
    texts = ['引用符 " と \\ 改行\n', "絵文字 🗾 と\u3000全角空白", "", "<b>&amp;</b>"]
    inserter = entry_inserter()
    drafts = [
        draft(None, "organization.updated", tokyo, {"name": "前"}, {"name": text}, inserter=inserter, reason=text)
        for text in texts
    ]
    fresh = Organization(code="pref-new", name="新しい組織（架空）")  # not inserted yet: its id is filled in later
    created = draft(None, "organization.created", fresh, None, {"name": fresh.name}, inserter=inserter, kpi_id=7)
    assert created is not None and created.source is fresh
    fresh.pk = 123456

    saved = save_drafts([d for d in [*drafts, created] if d is not None], inserter)

    stored = list(AuditEntry.objects.order_by("-pk")[:saved])[::-1]
    assert [e.reason for e in stored[:-1]] == texts and stored[-1].object_id == "123456"
    assert [e.changes for e in stored[:-1]] == [{"name": ["前", text]} for text in texts]  # its JSON, written ahead
    assert all(chain.entry_hash(entry) == entry.entry_hash for entry in stored)
    assert [e.previous_hash for e in stored[1:]] == [e.entry_hash for e in stored[:-1]]
    assert AuditChainHead.objects.get().last_hash == stored[-1].entry_hash
    assert len({entry.at for entry in stored}) == 1  # written at one time, inside the transaction


def test_it_refuses_to_change_or_delete_a_recorded_entry_from_the_application(org: Any) -> None:
    entry = renamed(org("pref-13"), "東京都（改称）")
    entry.reason = "書き換え"

    for attempt in (
        entry.save,
        entry.delete,
        AuditEntry.objects.filter(pk=entry.pk).delete,
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="書き換え"),
    ):
        with pytest.raises(AppendOnlyError, match="追記のみ"):
            attempt()


def test_it_refuses_a_change_made_with_sql_in_the_database(org: Any) -> None:
    entry = renamed(org("pref-13"), "東京都（改称）")

    with pytest.raises(DatabaseError, match="追記のみ"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])


def test_it_keeps_the_chain_when_the_actor_is_deleted(org: Any) -> None:
    user = get_user_model().objects.create_user("short_lived")
    entry = renamed(org("pref-13"), "東京都（改称）", actor=user)

    user.delete()

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor is None and stored.actor_label == "short_lived"
    assert chain.entry_hash(stored) == stored.entry_hash


def test_it_records_an_access_without_changes_in_the_chain(org: Any, tokyo_editor: Any) -> None:
    entry = log_access(tokyo_editor, "cases.company.viewed", org("pref-13"))

    assert entry.kind == AuditEntry.Kind.ACCESS and entry.changes == {} and entry.actor == tokyo_editor
    assert entry.action_label == "関係主体の閲覧" or entry.action_label.endswith("閲覧")
    assert entry.change_rows == []
    assert AuditChainHead.objects.get().last_hash == entry.entry_hash
    assert not AuditEntry.objects.changes().filter(pk=entry.pk).exists()


def test_changes_are_written_as_json_itself_would_write_them() -> None:
    """`changes_text` writes an entry's changes without json's encoder: the same text, canonical and as stored."""

    class Source(enum.StrEnum):
        IMPORTED = "imported"

    values = [
        None,
        True,
        False,
        0,
        -12,
        10**20,
        "",
        "1,234.5",
        "東京都",
        '引用符 " \\ 改行\n\t\x01',
        "\u2028🗾",
        Source.IMPORTED,
    ]
    samples = [{}, {"value": [None, "12"], "source": [None, Source.IMPORTED], "note": ["", "注記"]}]
    samples += [{f"k{n}": [old, new] for n, new in enumerate(values)} for old in values]
    samples.append({"z": [1, 2], "a": ["x", None], "名称": [True, "b"]})
    for changes in samples:
        assert chain.changes_text(changes, canonical=True) == chain._dumps(changes)
        assert chain.changes_text(changes, canonical=False) == json.dumps(changes)
    assert chain.changes_text({"value": [1.5, None]}, canonical=True) is None  # a float: json writes it
    assert chain.changes_text({"value": {"nested": 1}}, canonical=False) is None
