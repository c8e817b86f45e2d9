"""Document benchmark: the national 取りまとめ (compilation) as PDF and Word at the scale benchmark's size
(10 fiscal years × 47 prefectures × 3 regional KPIs), every prefecture with a submitted self-evaluation
carrying ratings, reasons and texts. Prints seconds per document and its pages. Figures: benchmarks/DOCUMENTS.md.

    PYTHONPATH=$PWD DEBUG=1 .venv/bin/python benchmarks/bench_documents.py

With BENCH_DATABASE_URL naming a data set already built (the national one of benchmarks/national.py, e.g.
sqlite:///$PWD/var/bench/scale-10.sqlite3 — use a copy: the benchmark adds its self-evaluations when the data set
has none), the benchmark reuses it: the last half year with self-evaluations is compiled.
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import tempfile
import time

# Django and the data set are set up in main(), not on import: a PDF laid out in parts starts processes that read
# this script again (multiprocessing's fork server does, as `__mp_main__`), and they need none of it.

REPEAT = 3
TEXT = "【ベンチマーク用の架空の記述】知財総合支援窓口と連携し、重点業種の企業を訪問した。" * 4


def evaluations(plan_year: int, plan):  # type: ignore[no-untyped-def]
    from chizai.kpis.models import Kpi
    from chizai.lib.fiscal import Half
    from chizai.organizations.models import Organization
    from chizai.pdca.models import KpiRating, ReportingPeriod, SelfEvaluation, Status

    period = ReportingPeriod.objects.create(  # one transaction: data_set() holds it
        plan=plan, fiscal_year=plan_year, half=Half.SECOND, due_date=datetime.date(plan_year + 1, 4, 30)
    )
    for prefecture in Organization.objects.prefectures():
        evaluation = SelfEvaluation.objects.create(
            period=period,
            organization=prefecture,
            status=Status.SUBMITTED,
            activities=TEXT,
            issues=TEXT,
            improvements=TEXT,
            advanced_practice=TEXT,
        )
        KpiRating.objects.bulk_create(
            KpiRating(evaluation=evaluation, kpi=kpi, rating="B", reason="目安と異なる理由（架空）：" + TEXT[:60])
            for kpi in Kpi.objects.filter(plan=plan, owner=prefecture)
        )
    return period


def data_set():  # type: ignore[no-untyped-def]
    """The half year to compile: the reused data set's last one with self-evaluations, or a new scratch one."""
    import scale
    from django.core.management import call_command
    from django.db import transaction

    from chizai.kpis import figures
    from chizai.kpis.models import Plan
    from chizai.pdca.models import ReportingPeriod
    from chizai.testing import create_cast

    plan = Plan.objects.filter(number=90).first()
    if plan is None:
        call_command("setup_reference", verbosity=0, stdout=open(os.devnull, "w"))
        create_cast()
        plan = scale.build()
        figures.refresh_plan(plan.pk)  # the writers keep the stored figures; the bulk build must do it itself
    period = (
        ReportingPeriod.objects.filter(plan=plan, evaluations__isnull=False)
        .distinct()
        .order_by("-fiscal_year", "-half")
        .first()
    )
    if period is not None:
        return period
    with transaction.atomic():
        return evaluations(plan.last_fiscal_year, plan)


def pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def timed(label: str, render) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    render()  # warm: fonts, templates, matplotlib, the document parts' fork server
    first = time.perf_counter() - start
    timings, cpu, output = [], [], b""
    for _ in range(REPEAT):
        start, start_cpu = time.perf_counter(), time.process_time()
        output = render()
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    extra = f"{pages(output):4d} pages" if output.startswith(b"%PDF") else f"{len(output) // 1024:6d} KiB"
    print(
        f"{label:52} first {first:6.2f} s  wall median {statistics.median(timings):6.2f} s  "
        f"max {max(timings):6.2f} s  CPU median {statistics.median(cpu):6.2f} s (this process)  {extra}"
    )


def main() -> None:
    import scale  # noqa: F401  # first: it sets up the scratch database and Django (benchmarks/scratch.py)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import override_settings

    from chizai.kpis.models import Kpi
    from chizai.pdca.models import SelfEvaluation
    from chizai.reports.apps import start_document_processes
    from chizai.reports.render import render_compilation, render_final_evaluation

    start_document_processes()  # as a worker does when it starts (chizai.workers.hooks.on_worker_start)
    call_command("migrate", verbosity=0)
    period = data_set()
    plan = period.plan
    jpo = get_user_model().objects.get(username="jpo_admin")
    today = max(period.due_date + datetime.timedelta(days=32), datetime.date(2026, 12, 2))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time grows with it, CPU time less)")
    print(
        f"data: {Kpi.objects.filter(plan=plan).count()} KPIs, {len(plan.fiscal_years)} fiscal years, "
        f"{SelfEvaluation.objects.filter(period=period).count()} self-evaluations in {period.label}"
    )

    def compilation(fmt: str) -> bytes:
        return render_compilation(period_id=period.pk, user_id=jpo.pk, fmt=fmt, today=today)

    processes = settings.CHIZAI_DOCUMENT_PROCESSES
    timed(f"national compilation (取りまとめ) .pdf, {processes} processes", lambda: compilation("pdf"))
    with open(os.environ.get("BENCH_PDF_OUTPUT", os.devnull), "wb") as output:
        output.write(compilation("pdf"))  # to look at: BENCH_PDF_OUTPUT=/tmp/national.pdf
    if processes > 1:  # the whole layout's CPU: the parts' processes are not this one's children
        with override_settings(CHIZAI_DOCUMENT_PROCESSES=1):
            timed("national compilation (取りまとめ) .pdf, 1 process", lambda: compilation("pdf"))
    timed("national compilation (取りまとめ) .docx", lambda: compilation("docx"))
    timed(
        "end-of-plan evaluation (全国) .pdf",
        lambda: render_final_evaluation(plan_number=plan.number, user_id=jpo.pk, fmt="pdf", today=today),
    )


if __name__ == "__main__":
    main()
