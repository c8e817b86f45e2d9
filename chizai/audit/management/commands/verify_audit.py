"""`chizai verify_audit`: recompute the audit chain and name the first entry that was changed or removed."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from contextlib import closing
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError

from chizai.audit import chain
from chizai.audit.models import AuditChainHead, AuditEntry

MOVED = "{}の直前の項目が記録と一致しません。この項目の前で変更履歴が削除・挿入・並べ替えされています。"
CHANGED = "{}の内容が記録時から変更されています。"
TAIL = "記録された末尾（{}件目）と実際の末尾（{}件目）が一致しません。末尾の変更履歴が削除・追加されています。"


def _named(entry: AuditEntry) -> str:
    return f"変更履歴 ID {entry.pk}（{entry.at:%Y-%m-%d %H:%M:%S} {entry.action}）"


def first_break(entries: Iterable[AuditEntry]) -> tuple[int, str, str | None]:
    """(entries read, last hash, the first problem in Japanese or None), reading the entries in id order."""
    previous, count = chain.GENESIS, 0
    for entry in entries:
        count += 1
        if entry.previous_hash != previous:
            return count, previous, MOVED.format(_named(entry))
        if chain.entry_hash(entry) != entry.entry_hash:
            return count, previous, CHANGED.format(_named(entry))
        previous = entry.entry_hash
    return count, previous, None


def tail_problem(count: int, last_hash: str) -> str | None:
    """The chain cannot show that its last entries were removed; the head row, moved by every writer, can."""
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return None if count == 0 else TAIL.format(0, count)
    if head.entries != count or head.last_hash != last_hash:
        return TAIL.format(head.entries, count)
    return None


class Command(BaseCommand):
    help = "変更履歴のハッシュの連鎖を先頭から検証し、変更・削除された項目を報告します。"

    def handle(self, *args: Any, **options: Any) -> None:
        # A streamed read in id order: constant memory over millions of entries.
        entries = cast(Generator[AuditEntry], AuditEntry.objects.order_by("pk").iterator(chunk_size=5000))
        with closing(entries):  # closed at once, not after the connection, when the first break stops the read
            count, last_hash, problem = first_break(entries)
        problem = problem or tail_problem(count, last_hash)
        if problem is not None:
            raise CommandError(f"変更履歴の検証に失敗しました: {problem}")
        self.stdout.write(f"変更履歴 {count}件 を検証しました。改ざんは見つかりません（末尾のハッシュ {last_hash}）。")
