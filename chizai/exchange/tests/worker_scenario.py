"""A big actuals import prepared in a database of its own, for tests and fault benchmarks that run real workers.

Called from other processes through `chizai shell -c`, e.g.
`from chizai.exchange.tests import worker_scenario as s; s.prepare(20000)`; every function prints one JSON line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from chizai.exchange import jobs
from chizai.exchange.actions import create_import_job
from chizai.exchange.models import ImportJob
from chizai.kpis.models import Actual, Kpi, KpiKind, Plan
from chizai.organizations.models import Organization
from chizai.organizations.reference import load_reference_organizations
from chizai.testing import create_cast

FIRST_YEAR = 2023
PERIODS = [(year, half) for year in range(FIRST_YEAR, FIRST_YEAR + 10) for half in ("上期", "下期", "通期")]
PLAN_NUMBER = 91


def prepare(rows: int, *, plan_number: int = PLAN_NUMBER, check: bool = True) -> int:
    """Reference data, the cast, a plan with enough KPIs, and an uploaded actuals file of `rows` rows (checked).

    A plan number of its own per scenario keeps the actuals count of one import apart from another's.
    """
    if not Organization.objects.exists():
        load_reference_organizations()
        create_cast()
    plan = Plan.objects.filter(number=plan_number).first() or _plan(rows, plan_number)
    kpis = list(Kpi.objects.filter(plan=plan).select_related("owner").order_by("pk"))
    content = _actuals_csv(kpis, rows)
    user = get_user_model().objects.get(username="jpo_admin")
    job = create_import_job(
        stored_name="scenario.csv",
        content=ContentFile(content),
        sha256=hashlib.sha256(content),
        original_name=f"実績-{rows}行.csv",
        size=len(content),
        plan=plan,
        organization=None,
        user=user,
    )
    if check:
        jobs.start_check(job)
    _print(state(job.pk))
    return job.pk


def start_apply(job_pk: int) -> None:
    _print({"started": jobs.start_apply(ImportJob.objects.get(pk=job_pk))})


def retry(job_pk: int) -> None:
    job = ImportJob.objects.get(pk=job_pk)
    _print({"retried": jobs.retry(job, user=job.user)})


def state(job_pk: int) -> dict[str, Any]:
    job = ImportJob.objects.get(pk=job_pk)
    return {
        "job": job.pk,
        "status": job.status,
        "worker_id": job.worker_id,
        "rows_done": job.rows_done,
        "interrupted": job.interrupted_at is not None,
        "failure": job.failure,
        "actuals": Actual.objects.filter(kpi__plan=job.plan).count(),
    }


def show(job_pk: int) -> None:
    _print(state(job_pk))


def _plan(rows: int, number: int) -> Plan:
    plan = Plan.objects.create(
        number=number,
        name="ワーカー試験用計画（架空）",
        first_fiscal_year=FIRST_YEAR,
        last_fiscal_year=FIRST_YEAR + 9,
    )
    prefectures = list(Organization.objects.prefectures())
    Kpi.objects.bulk_create(
        Kpi(
            plan=plan,
            code=f"worker-{number}-{n}",
            kind=KpiKind.REGIONAL,
            name=f"地域KPI {n + 1}（架空）",
            owner=prefectures[n % len(prefectures)],
            unit="件",
            sort_order=n,
        )
        for n in range(-(-rows // len(PERIODS)))
    )
    return plan


def _actuals_csv(kpis: list[Kpi], rows: int) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(["都道府県", "KPI名", "年度", "期", "実績"])
    written = 0
    for kpi in kpis:
        for year, half in PERIODS:
            if written == rows:
                return text.getvalue().encode("cp932")
            writer.writerow([kpi.owner.name, kpi.name, f"{year}年度", half, f"{(written * 7) % 500}件"])
            written += 1
    return text.getvalue().encode("cp932")


def _print(value: dict[str, Any]) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)
