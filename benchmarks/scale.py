"""Scale benchmark: 10 fiscal years × every prefecture. Prints queries, timings and memory per page."""

from __future__ import annotations

import os
import statistics
import time
import tracemalloc
from decimal import Decimal

import scratch  # first: it sets up the scratch database and Django

workdir = scratch.start("chizai-bench-")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from chizai.kpis.models import Actual, ActualSource, Kpi, KpiKind, Plan, Target  # noqa: E402
from chizai.organizations.models import Organization  # noqa: E402
from chizai.testing import create_cast  # noqa: E402

FIRST_YEAR, YEARS, KPIS_PER_PREFECTURE, REPEAT = 2023, 10, 3, 15


@transaction.atomic
def build() -> Plan:
    plan = Plan.objects.create(
        number=90,
        name="ベンチマーク用計画（架空）",
        first_fiscal_year=FIRST_YEAR,
        last_fiscal_year=FIRST_YEAR + YEARS - 1,
    )
    targets, actuals = [], []
    for prefecture in Organization.objects.prefectures():
        for n in range(KPIS_PER_PREFECTURE):
            kpi = Kpi.objects.create(
                plan=plan,
                code=f"bench-{prefecture.jis_code}-{n}",
                kind=KpiKind.REGIONAL,
                name=f"{prefecture.name} 地域KPI {n + 1}（架空）",
                owner=prefecture,
                unit="件",
            )
            for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                targets.append(Target(kpi=kpi, start_year=year, end_year=year, value=Decimal(100 + n * 10)))
                for half, value in (("H1", 40 + (year + n) % 30), ("H2", 50 + (year * 7 + n) % 40)):
                    actuals.append(
                        Actual(
                            kpi=kpi,
                            start_year=year,
                            end_year=year,
                            half=half,
                            value=Decimal(value),
                            source=ActualSource.DEMO,
                        )
                    )
    Target.objects.bulk_create(targets)
    Actual.objects.bulk_create(actuals)
    return plan


def measure(client: Client, path: str) -> tuple[int, float, float, float]:
    client.get(path)  # warm caches and template loading
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    client.get(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(executed), statistics.median(timings), max(timings), peak / 1024 / 1024


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("setup_reference", verbosity=0, stdout=open(os.devnull, "w"))
    create_cast()
    started = time.perf_counter()
    plan = build()
    kpis = Kpi.objects.filter(plan=plan).count()
    print(
        f"data: {kpis} KPIs, {Actual.objects.filter(kpi__plan=plan).count()} actuals, "
        f"{YEARS} fiscal years, built in {time.perf_counter() - started:.1f}s ({connection.vendor})"
    )
    client = Client()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="jpo_admin"))
    sample = Kpi.objects.filter(plan=plan).first()
    pages = {
        "dashboard": f"/plans/{plan.number}/",
        "organisation (東京都)": f"/organizations/pref-13/?plan={plan.number}",
        "KPI page": f"/kpis/{sample.pk}/",
    }
    print(f"{'page':24} {'queries':>8} {'median ms':>10} {'max ms':>8} {'peak MiB':>9}")
    for name, path in pages.items():
        count, median, worst, peak = measure(client, path)
        print(f"{name:24} {count:8d} {median:10.1f} {worst:8.1f} {peak:9.1f}")


if __name__ == "__main__":
    main()
