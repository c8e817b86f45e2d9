"""`chizai restore <directory>`: put a backup back, then prove it by recomputing counts and checksums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.ops import backup


class Command(BaseCommand):
    help = "バックアップを復元し、表ごとの件数とチェックサムが目録と一致することを確かめます。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="chizai backup が作ったディレクトリ")
        parser.add_argument("--force", action="store_true", help="データのあるデータベースにも上書きで復元する")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found = backup.restore_backup(
                db=backup.default_database(),
                source=Path(options["source"]),
                media_root=Path(settings.MEDIA_ROOT),
                force=options["force"],
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        if found:
            raise CommandError("復元したデータがバックアップと一致しません:\n" + "\n".join(found))
        self.stdout.write(self.style.SUCCESS("復元しました。すべての表の件数とチェックサムが目録と一致しています。"))
