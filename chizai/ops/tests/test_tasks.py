"""Scheduled work as tasks: the same commands a timer runs, queued for a worker."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chizai.ops import tasks
from chizai.reports.models import DocumentJob, DocumentStatus


def test_reminders_and_kpi_recomputation_run_as_tasks_with_the_commands_report(db):
    reminders = tasks.send_reminders.enqueue(date="2026-10-01")
    kpis = tasks.recompute_kpis.enqueue()

    assert reminders.status == "SUCCESSFUL" and "2026-10-01" in reminders.return_value
    assert kpis.status == "SUCCESSFUL"


def test_the_expiry_of_old_documents_runs_as_a_task(db):
    user = get_user_model().objects.create_user("owner")
    job = DocumentJob.objects.create(user=user, kind="compilation", fmt="pdf", title="取りまとめ", status="done")
    job.file.save(f"{job.token}.pdf", ContentFile(b"%PDF-1.7"), save=False)
    job.finished_at = timezone.now() - datetime.timedelta(days=100)
    job.save()

    result = tasks.expire_documents.enqueue()

    job.refresh_from_db()
    assert result.status == "SUCCESSFUL" and "1件" in result.return_value and job.status == DocumentStatus.EXPIRED


def test_enqueue_puts_the_task_in_the_database_queue_for_a_worker(db, settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    call_command("enqueue", "reminders")

    queued = DBTaskResult.objects.get()
    assert queued.status == "READY" and queued.task_path == "chizai.ops.tasks.send_reminders"
    assert str(queued.id) in capsys.readouterr().out
