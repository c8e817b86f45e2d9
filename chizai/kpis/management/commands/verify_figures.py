"""`chizai verify_figures [--fix]`: recompute every KPI figure from the raw targets and actuals and compare."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from chizai.kpis import figures
from chizai.kpis.models import Kpi


class Command(BaseCommand):
    help = (
        "KPIの集計値（達成率・状況の元になる値）を目標・実績から計算し直し、保存された値と照合します。"
        " / Recomputes every KPI figure from the raw targets and actuals and reports any difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="違いのあるKPIの集計値を計算し直して保存します。")

    def handle(self, *args: Any, **options: Any) -> None:
        found = figures.verify()
        for difference in found:
            kpi = difference.kpi
            self.stdout.write(f"KPI {kpi.pk}（{kpi.plan_id}/{kpi.code}）{kpi.short_name}:")
            for line in difference.lines:
                self.stdout.write(f"  {line}")
        checked = Kpi.objects.count()
        if not found:
            self.stdout.write(f"{checked}件のKPIの集計値は目標・実績と一致しています。 / All {checked} KPIs match.")
            return
        if options["fix"]:
            with transaction.atomic():
                figures.refresh(d.kpi.pk for d in found)
            left = figures.verify(Kpi.objects.filter(pk__in=[d.kpi.pk for d in found]))
            if not left:
                self.stdout.write(
                    f"{len(found)}件のKPIの集計値を計算し直しました。 / Recomputed the figures of {len(found)} KPIs."
                )
                return
        raise CommandError(
            f"{checked}件のKPIのうち{len(found)}件で集計値が目標・実績と異なります。"
            f" / {len(found)} of {checked} KPIs have figures that differ from their targets and actuals."
        )
