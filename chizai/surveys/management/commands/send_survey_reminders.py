"""`chizai send_survey_reminders [--date YYYY-MM-DD] [--dry-run]`: the daily survey reminders (cron-safe)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from chizai.pdca.management.commands.send_reminders import _date
from chizai.surveys.reminders import send_survey_reminders


class Command(BaseCommand):
    help = (
        "アンケートに未回答の依頼先へ督促メールを送ります（営業日のみ、同じ日に二度は送りません）。"
        "cron で毎日実行できます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="判定の基準日（YYYY-MM-DD、省略時は今日）")
        parser.add_argument("--dry-run", action="store_true", help="送信も記録もせず、督促の対象だけを表示します")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or timezone.localdate()
        report = send_survey_reminders(today=today, dry_run=options["dry_run"])
        for invitation in report.sent:
            self.stdout.write(f"督促: {invitation.questionnaire.title} → {invitation.email}")
        self.stdout.write(f"{today.isoformat()}: {report.summary()}")
