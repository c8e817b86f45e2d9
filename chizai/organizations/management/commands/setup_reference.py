"""`chizai setup_reference`: load the reference organisations (関係主体) from the YAML file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.organizations.reference import DEFAULT_PATH, load_reference_organizations


class Command(BaseCommand):
    help = "関係主体（特許庁、INPIT、経済産業局等、都道府県、支援機関）の参照データを登録・更新します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            dest="path",
            default=None,
            help=f"読み込む YAML ファイル（省略時: {DEFAULT_PATH.name}）",
        )

    def handle(self, *args: Any, path: str | None = None, **options: Any) -> None:
        try:
            counts = load_reference_organizations(path)
        except ValueError as exc:
            raise CommandError(f"関係主体の登録に失敗しました（何も変更していません）: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"関係主体: 新規 {counts['created']}件、更新 {counts['updated']}件、変更なし {counts['unchanged']}件"
            )
        )
