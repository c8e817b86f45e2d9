"""`chizai report PLAN --format md`: the plan-format evaluation of a plan, computed from the data."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.kpis.models import Plan
from chizai.kpis.report import plan_report_markdown


class Command(BaseCommand):
    help = "計画のKPI評価を計画書の書式（【目標】【実績】）で出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", type=int, help="計画の次数（例: 2）")
        parser.add_argument("--format", choices=["md"], default="md", help="出力形式（md: Markdown）")
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="判定の基準日（YYYY-MM-DD）")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan.objects.filter(number=options["plan"]).first()
        if plan is None:
            raise CommandError(f"第{options['plan']}次の計画が見つかりません。先に load_plan で読み込んでください。")
        self.stdout.write(plan_report_markdown(plan, today=options["as_of"]), ending="")
