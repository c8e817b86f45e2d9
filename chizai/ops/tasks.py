"""Scheduled work as tasks: reminder mail, KPI recomputation and the expiry of old documents, run by a
`chizai db_worker`.

Each task calls the idempotent command a cron line or systemd timer would (deploy/chizai-reminders.timer), so the
two ways give the same result and running either twice sends and writes nothing twice.
"""

from __future__ import annotations

import io

from django.core.management import call_command
from django.tasks import task


@task()
def send_reminders(date: str | None = None) -> str:
    """`chizai send_reminders [--date YYYY-MM-DD]` as a task; returns the command's report."""
    return _run("send_reminders", *(["--date", date] if date else []))


@task()
def send_survey_reminders(date: str | None = None) -> str:
    """`chizai send_survey_reminders [--date YYYY-MM-DD]` as a task: reminders and the second follow-up invitations."""
    return _run("send_survey_reminders", *(["--date", date] if date else []))


@task()
def recompute_kpis(plan: int | None = None) -> str:
    """`chizai recompute_kpis [--plan N]` as a task; returns the command's summary."""
    return _run("recompute_kpis", *(["--plan", str(plan)] if plan is not None else []))


@task()
def expire_documents() -> str:
    """`chizai expire_documents` as a task: the files of documents past their retention time are deleted."""
    return _run("expire_documents")


def _run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()
