"""`chizai enqueue reminders|survey_reminders|kpis|documents`: queue scheduled work for the workers instead."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.tasks import Task

from chizai.ops import tasks

TASKS: dict[str, Task[..., str]] = {
    "reminders": tasks.send_reminders,
    "survey_reminders": tasks.send_survey_reminders,
    "kpis": tasks.recompute_kpis,
    "documents": tasks.expire_documents,
}


class Command(BaseCommand):
    help = (
        "リマインダー送信（reminders）、アンケートの督促・再依頼（survey_reminders）またはKPI再計算（kpis）を"
        "タスクとして登録し、ワーカーに実行させます。保存期間を過ぎた帳票の削除（documents）も同じです。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "task",
            choices=sorted(TASKS),
            help=(
                "reminders: リマインダー送信 / survey_reminders: アンケートの督促 / kpis: KPI再計算 / "
                "documents: 保存期間を過ぎた帳票の削除"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = TASKS[options["task"]].enqueue()
        self.stdout.write(f"{options['task']}: タスク {result.id} を登録しました（状態: {result.status}）。")
