"""`chizai expire_documents [--days N]`: delete the files of documents made in the background more than
CHIZAI_DOCUMENT_RETENTION_DAYS days ago (nightly, beside `recompute_kpis`). Idempotent: a second run deletes nothing."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from chizai.reports.actions import expire_document_files


class Command(BaseCommand):
    help = "保存期間（CHIZAI_DOCUMENT_RETENTION_DAYS 日）を過ぎた帳票のファイルを削除し、期限切れにします。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="保存期間（日）。省略時は設定 CHIZAI_DOCUMENT_RETENTION_DAYS（既定 7）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.CHIZAI_DOCUMENT_RETENTION_DAYS if options["days"] is None else options["days"]
        expired = expire_document_files(days=days)
        self.stdout.write(f"保存期間 {days}日を過ぎた帳票 {expired}件のファイルを削除しました。")
