"""Import benchmark: time and peak memory of a dry run and an apply of 10,000 and 100,000 actual rows.

Usage: .venv/bin/python benchmarks/bench_import.py [ROWS …] [--xlsx] [--trace-apply]
(default: 10000 100000, CP932 CSV)

Besides the wall-clock time of each run, it prints the process CPU time (what the import itself costs, whatever
else the machine is doing) and the wall and CPU time of the apply's write transaction alone (what other writers
may wait for). `--trace-apply` also measures the apply's peak memory (its times are then slower). The last line is
the process's peak resident memory over all the runs.
"""

from __future__ import annotations

import csv
import hashlib
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import scratch  # first: it sets up the scratch database and Django

workdir = scratch.start("chizai-bench-import-")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from chizai.exchange import importing  # noqa: E402
from chizai.exchange.importing import run_import  # noqa: E402
from chizai.kpis.models import Actual, Kpi, KpiKind, Plan  # noqa: E402
from chizai.organizations.models import Organization  # noqa: E402
from chizai.testing import create_cast  # noqa: E402

FIRST_YEAR, YEARS = 2023, 10
PERIODS = [(year, half) for year in range(FIRST_YEAR, FIRST_YEAR + YEARS) for half in ("上期", "下期", "通期")]
HEADER = ["都道府県", "KPI名", "年度", "期", "実績", "評価コメント"]


def build_plan(rows: int) -> tuple[Plan, list[Kpi]]:
    """A plan with enough synthetic regional KPIs (spread over every prefecture) for `rows` actual rows."""
    plan = Plan.objects.create(
        number=90, name="ベンチマーク用計画（架空）", first_fiscal_year=FIRST_YEAR, last_fiscal_year=FIRST_YEAR + 9
    )
    prefectures = list(Organization.objects.prefectures())
    needed = -(-rows // len(PERIODS))
    kpis = [
        Kpi(
            plan=plan,
            code=f"bench-{n}",
            kind=KpiKind.REGIONAL,
            name=f"地域KPI {n + 1}（架空）",
            owner=prefectures[n % len(prefectures)],
            unit="件",
            sort_order=n,
        )
        for n in range(needed)
    ]
    Kpi.objects.bulk_create(kpis)
    return plan, list(Kpi.objects.filter(plan=plan).select_related("owner").order_by("pk"))


def data_rows(kpis: list[Kpi], rows: int):  # type: ignore[no-untyped-def]
    count = 0
    for kpi in kpis:
        for year, half in PERIODS:
            if count == rows:
                return
            comment = "順調" if count % 10 == 0 else ""
            yield [kpi.owner.name, kpi.name, f"{year}年度", half, f"{(count * 7) % 500:,}件", comment]
            count += 1


def write_file(kpis: list[Kpi], rows: int, xlsx: bool) -> Path:
    if xlsx:
        path = Path(workdir) / f"actuals-{rows}.xlsx"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("実績")
        sheet.append(HEADER)
        for row in data_rows(kpis, rows):
            sheet.append(row)
        workbook.save(path)
        return path
    path = Path(workdir) / f"actuals-{rows}.csv"
    with path.open("w", encoding="cp932", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(data_rows(kpis, rows))
    return path


WRITE_TIMES: list[tuple[float, float]] = []


def _timed_write(write):  # type: ignore[no-untyped-def]
    """`importing._write` is the body of the apply's one transaction (whatever its arguments)."""

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        started, cpu = time.perf_counter(), time.process_time()
        write(*args, **kwargs)
        WRITE_TIMES.append((time.perf_counter() - started, time.process_time() - cpu))

    return timed


if hasattr(importing, "_apply"):  # (absent before the check/write split: run against old code for a before figure)
    importing._write = _timed_write(importing._write)
CPU_TIMES: list[float] = []


def run(path: Path, plan: Plan, *, apply: bool, traced: bool) -> tuple[float, float, object]:
    user = get_user_model().objects.get(username="jpo_admin")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if traced:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    report = run_import(path=path, file_name=path.name, sha256=digest, plan=plan, user=user, apply=apply)
    elapsed = time.perf_counter() - started
    CPU_TIMES.append(time.process_time() - cpu)
    peak = 0.0
    if traced:
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
    assert report.ok, report.problems[:5]
    return elapsed, peak, report


def bench(rows: int, xlsx: bool, trace_apply: bool) -> None:
    Plan.objects.filter(number=90).delete()
    plan, kpis = build_plan(rows)
    path = write_file(kpis, rows, xlsx)
    size = path.stat().st_size / 1024 / 1024
    dry, _, report = run(path, plan, apply=False, traced=False)
    dry_cpu = CPU_TIMES[-1]
    _, dry_peak, _ = run(path, plan, apply=False, traced=True)
    applied, apply_peak, _ = run(path, plan, apply=True, traced=trace_apply)
    applied_cpu = CPU_TIMES[-1]
    write, write_cpu = WRITE_TIMES[-1] if WRITE_TIMES else (float("nan"), float("nan"))
    assert Actual.objects.filter(kpi__plan=plan).count() == rows
    again, again_peak, again_report = run(path, plan, apply=True, traced=True)
    assert again_report.counts["変更なし"] == rows  # type: ignore[attr-defined]
    kind = "xlsx" if xlsx else "CSV (CP932)"
    print(
        f"{rows:>8,} {kind:12} {size:7.1f} {len(kpis):6,} {dry:9.1f} {dry_cpu:8.1f} {applied:9.1f} {applied_cpu:8.1f} "
        f"{write:7.1f} {write_cpu:9.1f} {again:10.1f} {dry_peak:12.1f} {again_peak:12.1f}"
        + (f" {apply_peak:12.1f}" if trace_apply else ""),
        flush=True,
    )
    del report


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    xlsx = "--xlsx" in sys.argv
    trace_apply = "--trace-apply" in sys.argv  # the apply's peak memory too (tracing slows its times down)
    sizes = [int(a) for a in args] or [10_000, 100_000]
    settings.CHIZAI_IMPORT_MAX_ROWS = max(settings.CHIZAI_IMPORT_MAX_ROWS, max(sizes) + 10)
    call_command("migrate", verbosity=0)
    call_command("setup_reference", verbosity=0, stdout=open(os.devnull, "w"))
    create_cast()
    # DEBUG=1 only lets the scratch settings load; a real server runs without it, and with it Django would
    # quote and keep every statement of the bulk writes (connection.queries), which costs more than the writes.
    settings.DEBUG = False
    print(f"database: {connection.vendor}; times in seconds, peak Python memory (tracemalloc) in MiB")
    print(f"load average before: {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print(
        f"{'rows':>8} {'file':12} {'MiB':>7} {'KPIs':>6} {'dry run':>9} {'dry CPU':>8} {'apply':>9} {'app. CPU':>8} "
        f"{'write':>7} {'write CPU':>9} {'re-import':>10} {'peak dry':>12} {'peak re-imp':>12}"
        + (f" {'peak apply':>12}" if trace_apply else "")
    )
    for rows in sizes:
        bench(rows, xlsx, trace_apply)
    # The whole process's peak resident memory (Python, SQLite's cache, the driver…), over every run above.
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
