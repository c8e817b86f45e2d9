"""`chizai report PLAN --format md|docx|pdf [--output FILE]`: the plan-format evaluation, computed from the data.

It lives in the reports app because Word and PDF are rendered there (kpis may not import reports).
"""

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.kpis.models import Plan
from chizai.kpis.report import plan_report_markdown
from chizai.reports.builders import plan_report_document
from chizai.reports.render import render


class Command(BaseCommand):
    help = "計画のKPI評価を計画書の書式（【目標】【実績】）で出力します（Markdown・Word・PDF）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", type=int, help="計画の次数（例: 2）")
        parser.add_argument(
            "--format",
            choices=["md", "docx", "pdf"],
            default="md",
            help="出力形式（md: Markdown、docx: Word、pdf: PDF）",
        )
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="判定の基準日（YYYY-MM-DD）")
        parser.add_argument("--output", type=Path, help="出力先のファイル（docx・pdf では必須）")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan.objects.filter(number=options["plan"]).first()
        if plan is None:
            raise CommandError(f"第{options['plan']}次の計画が見つかりません。先に load_plan で読み込んでください。")
        fmt, output = options["format"], options["output"]
        if fmt == "md":
            text = plan_report_markdown(plan, today=options["as_of"])
            if output:
                output.write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        if output is None:
            raise CommandError(f"--format {fmt} では --output で出力先のファイルを指定してください。")
        today = options["as_of"] or datetime.date.today()
        output.write_bytes(render(plan_report_document(plan, today), fmt))
        self.stderr.write(f"{output} に書き出しました。")
