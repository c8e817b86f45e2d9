"""Pages that read the figures table: queries and time, on the demo data and on a 10-fiscal-year national set.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/figures_pages.py            # SQLite scratch database
    BENCH_KPIS=32 PYTHONPATH=$PWD .venv/bin/python benchmarks/figures_pages.py   # 32 regional KPIs a prefecture

Builds the demo (load_plan + load_demo: through the writers), then plan 90 (10 fiscal years, BENCH_KPIS regional
KPIs per prefecture, a target and two half-year actuals each year) in bulk, and — when the code has the figures
table — stores its figures as `verify_figures --fix` would. Runs on code without the figures table too (before).
"""

from __future__ import annotations

import os
import statistics
import time
from decimal import Decimal

import scratch  # first: it sets up the scratch database and Django

workdir = scratch.start("chizai-figures-")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from chizai.kpis.models import Actual, ActualSource, Kpi, KpiKind, Plan, Target  # noqa: E402
from chizai.organizations.models import Organization  # noqa: E402
from chizai.pdca.actions import ensure_period  # noqa: E402

try:
    from chizai.kpis import figures
except ImportError:  # the code before the figures table
    figures = None  # type: ignore[assignment]

FIRST_YEAR, YEARS, REPEAT = 2023, 10, int(os.environ.get("BENCH_REPEAT", "7"))
KPIS_PER_PREFECTURE = int(os.environ.get("BENCH_KPIS", "3"))


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
    Target.objects.bulk_create(targets, batch_size=2000)
    Actual.objects.bulk_create(actuals, batch_size=2000)
    return plan


def measure(client: Client, path: str) -> tuple[int, float, float]:
    client.get(path)
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(path).status_code == 200, path
    timings = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
    return len(executed), statistics.median(timings), max(timings)


def report(client: Client, pages: dict[str, str]) -> None:
    print(f"{'page':34} {'queries':>8} {'median ms':>10} {'max ms':>8}")
    for name, path in pages.items():
        count, median, worst = measure(client, path)
        print(f"{name:34} {count:8d} {median:10.1f} {worst:8.1f}", flush=True)


def main() -> None:
    null = open(os.devnull, "w")
    call_command("migrate", verbosity=0)
    call_command("setup_reference", verbosity=0, stdout=null)
    call_command("load_plan", "plans/3rd_regional_ip_action_plan.yaml", verbosity=0, stdout=null)
    call_command("load_demo", verbosity=0, stdout=null)
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="jpo_admin"))
    demo = Plan.objects.get(number=3)
    period = demo.periods.order_by("fiscal_year", "half").filter(fiscal_year=2024, half="H2").first()
    code = "with figures" if figures else "before (recomputed per request)"
    print(f"== demo data ({Kpi.objects.filter(plan=demo).count()} KPIs), {code}, {connection.vendor}")
    demo_pages = {
        "dashboard": "/",
        "organisation (東京都)": "/organizations/pref-13/",
        "national compilation 2024下期": f"/pdca/compilation/{period.pk}/",
        "end-of-plan page": "/pdca/final/3/",
        "dashboard export (xlsx)": "/exports/plans/3/dashboard.xlsx",
    }
    report(client, demo_pages)
    started = time.perf_counter()
    plan = build()
    built = time.perf_counter() - started
    filled = 0.0
    if figures is not None:
        started = time.perf_counter()
        ids = list(Kpi.objects.filter(plan=plan).values_list("pk", flat=True))
        with transaction.atomic():
            for start in range(0, len(ids), 500):
                figures.refresh(ids[start : start + 500])
        filled = time.perf_counter() - started
    periods = [ensure_period(plan, 2027, "H1"), ensure_period(plan, 2027, "H2")]
    kpis = Kpi.objects.filter(plan=plan).count()
    print(
        f"== plan 90: {kpis} KPIs, {Actual.objects.filter(kpi__plan=plan).count()} actuals, {YEARS} fiscal years"
        f" (built {built:.1f}s, figures stored {filled:.1f}s)"
    )
    report(
        client,
        {
            "dashboard": "/plans/90/",
            "organisation (東京都)": "/organizations/pref-13/?plan=90",
            "national compilation 2027上期": f"/pdca/compilation/{periods[0].pk}/",
            "national compilation 2027下期": f"/pdca/compilation/{periods[1].pk}/",
            "end-of-plan page": "/pdca/final/90/",
            "dashboard export (xlsx)": "/exports/plans/90/dashboard.xlsx",
        },
    )


if __name__ == "__main__":
    main()
