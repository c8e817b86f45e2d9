"""`chizai backup`: the database and the uploads into a new timestamped directory, with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.ops import backup


class Command(BaseCommand):
    help = "データベースとアップロードファイルをバックアップします（件数とチェックサムの目録つき）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir",
            default=str(settings.VAR_DIR / "backups"),
            help="バックアップを置くディレクトリ（この下に日時の名前のディレクトリを作ります）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = backup.create_backup(
                db=backup.default_database(),
                directory=Path(options["output_dir"]),
                media_root=Path(settings.MEDIA_ROOT),
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"バックアップを作成しました: {target}"))
