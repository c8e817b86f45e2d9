"""`chizai recompute_kpis [--plan 3]`: recount the KPIs computed from hands-on support cases."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chizai.cases.counting import Outcome, Recomputed, RecomputeSummary, recompute_plan
from chizai.kpis.models import Plan
from chizai.lib.numbers import format_quantity

QUIET_OUTCOMES = (Outcome.UNCHANGED, Outcome.NO_FIGURE)


class Command(BaseCommand):
    help = "ハンズオン支援案件から集計するKPI（集計ルールのあるKPI）の実績を、案件から数え直します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", type=int, help="計画の次数（例: 3）。省略するとすべての計画")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="基準日（YYYY-MM-DD、省略すると今日）。この日までに始まった年度だけを集計します",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        plans = Plan.objects.order_by("number")
        if options["plan"] is not None:
            plans = plans.filter(number=options["plan"])
            if not plans.exists():
                raise CommandError(f"第{options['plan']}次の計画が見つかりません。")
        for plan in plans:
            summary = recompute_plan(plan, today=options["today"])
            self.stdout.write(_summary_line(summary))
            for result in sorted(summary.results, key=lambda r: (r.kpi.sort_order, r.fiscal_year)):
                if result.outcome not in QUIET_OUTCOMES:
                    self.stdout.write(_result_line(result))


def _summary_line(summary: RecomputeSummary) -> str:
    if not summary.results:
        return f"{summary.plan.name}: 集計ルールのあるKPIはありません。"
    counts = "、".join(f"{o.label} {n}件" for o in Outcome if (n := summary.count(o)))
    return f"{summary.plan.name}: 集計 {len(summary.results)}件（{counts}）"


def _result_line(result: Recomputed) -> str:
    kpi = result.kpi
    figure = result.actual.figure if result.actual is not None else None
    detail = result.message or result.outcome.label
    return f"  {kpi.label_period(result.fiscal_year, result.fiscal_year)} {kpi.short_name}: " + (
        f"{format_quantity(figure, kpi.unit)}（{detail}）" if figure is not None else detail
    )
