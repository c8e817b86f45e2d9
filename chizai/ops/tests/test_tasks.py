"""Scheduled work as tasks: the same commands a timer runs, queued for a worker."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from chizai.ops import tasks


def test_reminders_and_kpi_recomputation_run_as_tasks_with_the_commands_report(db):
    reminders = tasks.send_reminders.enqueue(date="2026-10-01")
    kpis = tasks.recompute_kpis.enqueue()

    assert reminders.status == "SUCCESSFUL" and "2026-10-01" in reminders.return_value
    assert kpis.status == "SUCCESSFUL"


def test_enqueue_puts_the_task_in_the_database_queue_for_a_worker(db, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    call_command("enqueue", "reminders")

    queued = DBTaskResult.objects.get()
    assert queued.status == "READY" and queued.task_path == "chizai.ops.tasks.send_reminders"
    assert str(queued.id) in capsys.readouterr().out
