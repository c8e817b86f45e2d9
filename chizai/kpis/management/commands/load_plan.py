"""`chizai load_plan PATH…`: load plan files (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.kpis.planfile import PlanFileError, load_plan_file


class Command(BaseCommand):
    help = "計画ファイル（plans/*.yaml）を読み込みます。同じファイルを再度読み込んでも変化はありません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="計画ファイルのパス")

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["paths"]:
            try:
                summary = load_plan_file(path)
            except PlanFileError as error:
                lines = "\n".join(f"  - {m}" for m in error.messages)
                raise CommandError(f"{path} を読み込めませんでした。何も書き込んでいません。\n{lines}") from error
            self.stdout.write(
                f"{summary.plan.name}: 追加 {summary.created}件、更新 {summary.updated}件、削除 {summary.deleted}件"
                + ("" if summary.changed else "（変更なし）")
            )
