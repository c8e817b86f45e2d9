"""`chizai send_reminders [--date YYYY-MM-DD] [--dry-run]`: the daily reminder e-mails (cron-safe)."""

import argparse
import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from chizai.pdca.reminders import send_reminders


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日付は YYYY-MM-DD の形で指定してください: {text}") from None


class Command(BaseCommand):
    help = (
        "自己評価の提出期限が近い・過ぎた関係主体と、差し戻された自己評価の編集者にメールを送ります。"
        "同じ通知は一度しか送らないため、cron で毎日実行できます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="判定の基準日（YYYY-MM-DD、省略時は今日）")
        parser.add_argument("--dry-run", action="store_true", help="送信も記録もせず、送る予定の通知だけを表示します")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        report = send_reminders(today=today, dry_run=options["dry_run"])
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"{today.isoformat()}: {report.summary()}")
