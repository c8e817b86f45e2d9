"""Page benchmark on the national data set, through a real gunicorn server on 127.0.0.1.

    python benchmarks/pages.py --scale 1|10 [--database URL] [--repeat N] [--throughput SECONDS]

For each page: the median and p95 wall time of N sequential requests, the wall time of a request right after a
change of the data (every fragment kept under the data's generation recomputes), the gunicorn worker's CPU per
request (from /proc), the response size, the number of SQL queries (the same request in-process), and the ratio of the
median to the median of the raw SQL that reads the same figures. With --throughput, two gunicorn workers serve
the dashboard alone, a KPI page alone, then both alternately, each to 8 concurrent loopback clients for that many
seconds (bounded, stops by itself).
Build the data first: `python benchmarks/national.py --scale N` (same --database).
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import national  # noqa: E402

ROOT = national.ROOT
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Page:
    name: str
    path: str
    raw_sql: list[tuple[str, list[Any]]]
    api: bool = False


@dataclass
class Measured:
    page: Page
    queries: int
    median_ms: float
    p95_ms: float
    cpu_ms: float
    size: int
    sql_ms: float
    changed_ms: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.sql_ms if self.sql_ms else float("nan")

    @property
    def cpu_ratio(self) -> float:
        """CPU per request over the raw SQL: steadier than wall time when the machine is busy."""
        return self.cpu_ms / self.sql_ms if self.sql_ms else float("nan")


FIGURES_SQL = """
SELECT k.id, k.owner_id, o.bureau_id, t.start_year, t.value, SUM(a.value), COUNT(a.id)
FROM kpis_kpi k
JOIN organizations_organization o ON o.id = k.owner_id
JOIN kpis_target t ON t.kpi_id = k.id
LEFT JOIN kpis_actual a ON a.kpi_id = k.id AND a.start_year = t.start_year AND a.end_year = t.end_year
WHERE k.plan_id = %s {extra}
GROUP BY k.id, k.owner_id, o.bureau_id, t.start_year, t.value
"""


def figures_sql(plan_id: int, extra: str = "", params: list[Any] | None = None) -> tuple[str, list[Any]]:
    return FIGURES_SQL.format(extra=extra), [plan_id, *(params or [])]


def pages() -> list[Page]:
    """The pages of the issue's table and the KPI, organisation, self-evaluation, case and API pages."""
    from chizai.cases.models import SupportCase
    from chizai.kpis.models import Kpi, Plan
    from chizai.organizations.models import Organization
    from chizai.pdca.models import ReportingPeriod, SelfEvaluation

    plan = Plan.objects.get(number=national.BENCH_PLAN)
    tokyo = Organization.objects.get(code="pref-13")
    kpi = Kpi.objects.filter(plan=plan, owner=tokyo).order_by("sort_order", "pk").first()
    assert kpi is not None
    period = ReportingPeriod.objects.filter(plan=plan, evaluations__isnull=False).order_by("-fiscal_year", "-half")[0]
    evaluation = SelfEvaluation.objects.filter(period=period, organization=tokyo).get()
    case = SupportCase.objects.order_by("-pk").first()
    assert case is not None
    year_figures = figures_sql(plan.pk, "AND t.start_year = %s", [period.fiscal_year])
    evaluations_sql = (
        "SELECT e.id, e.status, e.organization_id, o.name FROM pdca_selfevaluation e "
        "JOIN organizations_organization o ON o.id = e.organization_id WHERE e.period_id = %s",
        [period.pk],
    )
    case_page_sql = [
        (
            "SELECT c.id, c.stage, c.fiscal_year, co.name, co.corporate_number, o.name FROM cases_supportcase c "
            "JOIN cases_company co ON co.id = c.company_id "
            "JOIN organizations_organization o ON o.id = co.prefecture_id ORDER BY c.id DESC LIMIT 50",
            [],
        ),
        ("SELECT COUNT(*) FROM cases_supportcase", []),
    ]
    return [
        Page("national dashboard", f"/plans/{plan.number}/", [figures_sql(plan.pk)]),
        Page("national compilation", f"/pdca/compilation/{period.pk}/", [evaluations_sql, year_figures]),
        Page("end-of-plan page", f"/pdca/final/{plan.number}/", [figures_sql(plan.pk)]),
        Page("case list (JPO)", "/cases/", case_page_sql),
        Page("dashboard export (xlsx)", f"/exports/plans/{plan.number}/dashboard.xlsx", [figures_sql(plan.pk)]),
        Page("KPI page", f"/kpis/{kpi.pk}/", [figures_sql(plan.pk, "AND k.id = %s", [kpi.pk])]),
        Page(
            "organisation page (東京都)",
            f"/organizations/{tokyo.code}/?plan={plan.number}",
            [figures_sql(plan.pk, "AND k.owner_id = %s", [tokyo.pk])],
        ),
        Page(
            "self-evaluation page",
            f"/pdca/evaluations/{evaluation.pk}/",
            [
                ("SELECT * FROM pdca_selfevaluation WHERE id = %s", [evaluation.pk]),
                ("SELECT * FROM pdca_kpirating WHERE evaluation_id = %s", [evaluation.pk]),
                figures_sql(plan.pk, "AND k.owner_id = %s AND t.start_year = %s", [tokyo.pk, period.fiscal_year]),
            ],
        ),
        Page(
            "case page",
            f"/cases/{case.pk}/",
            [
                (
                    "SELECT * FROM cases_supportcase c JOIN cases_company co ON co.id = c.company_id WHERE c.id = %s",
                    [case.pk],
                ),
                ("SELECT * FROM cases_stagechange WHERE case_id = %s", [case.pk]),
                ("SELECT * FROM cases_caseissue WHERE case_id = %s", [case.pk]),
                ("SELECT * FROM cases_expertsupport WHERE case_id = %s", [case.pk]),
            ],
        ),
        Page(
            "API: KPIs of the plan",
            f"/api/kpis/?plan={plan.number}",
            [("SELECT * FROM kpis_kpi WHERE plan_id = %s ORDER BY id LIMIT 100", [plan.pk])],
            api=True,
        ),
        Page("API: cases", "/api/cases/", [case_page_sql[0]], api=True),
    ]


# --- measuring ---------------------------------------------------------------------------------------------


def raw_sql_ms(statements: list[tuple[str, list[Any]]], repeat: int) -> float:
    from django.db import connection

    timings = []
    for _ in range(repeat + 2):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[2:])


def query_count(page: Page, client: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(page.path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page.path)
    assert response.status_code == 200, (page.path, response.status_code)
    return len(captured.captured_queries)


class Server:
    """gunicorn with production settings (DEBUG off) on a free loopback port; stopped on exit."""

    def __init__(self, database_url: str, secret_key: str, workers: int) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret_key,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "CHIZAI_MFA_REQUIRED": "0",
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "chizai.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "300"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(self.port, "/healthz", "")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def worker_cpu_ticks(self) -> int:
        total = 0
        for child in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(port: int, path: str, cookie: str) -> tuple[int, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def touch_data() -> None:
    """A recorded change, as any save makes: the next request recomputes whatever it keeps under the data's
    generation (chizai.audit.generation). The bench database's plan gets an unchanged-value entry."""
    from django.db import transaction

    from chizai.audit.log import log
    from chizai.kpis.models import Plan

    plan = Plan.objects.get(number=national.BENCH_PLAN)
    with transaction.atomic():
        log(None, "benchmark.touch", plan, {"touched": 0}, {"touched": time.time()}, actor_label="benchmark")


def after_change(server: Server, page: Page, cookie: str, times: int = 3) -> float:
    """The median wall time of a request right after a change of the data (nothing kept is current)."""
    timings = []
    for _ in range(times):
        touch_data()
        started = time.perf_counter()
        request(server.port, page.path, cookie)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure(server: Server, page: Page, cookie: str, repeat: int) -> tuple[float, float, float, int]:
    for _ in range(2):
        status, size = request(server.port, page.path, cookie)
        assert status == 200, (page.path, status)
    timings = []
    ticks = server.worker_cpu_ticks()
    for _ in range(repeat):
        started = time.perf_counter()
        request(server.port, page.path, cookie)
        timings.append((time.perf_counter() - started) * 1000)
    cpu_ms = (server.worker_cpu_ticks() - ticks) * 1000 / CLOCK_TICKS / repeat
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return statistics.median(timings), p95, cpu_ms, size


def throughput(server: Server, paths: list[str], cookie: str, seconds: float, clients: int = 8) -> str:
    done: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def run(offset: int) -> None:
        n = offset
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status, _ = request(server.port, paths[n % len(paths)], cookie)
                if status != 200:
                    errors.append(str(status))
            except OSError as error:
                errors.append(type(error).__name__)
            done.append((time.perf_counter() - started) * 1000)
            n += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    p95 = statistics.quantiles(done, n=20)[-1] if len(done) >= 2 else float("nan")
    return (
        f"{len(done) / seconds:.1f} requests/s over {seconds:.0f} s with {clients} clients, "
        f"p95 {p95:.0f} ms, {len(errors)} errors"
    )


def session_cookie() -> tuple[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="jpo_admin"))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, choices=sorted(national.SCALES), default=1)
    parser.add_argument("--database", default="")
    parser.add_argument("--repeat", type=int, default=0, help="requests per page (default 20 at 1×, 8 at 10×)")
    parser.add_argument("--throughput", type=float, default=0, help="seconds of the 2-worker throughput run")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    options = parser.parse_args()
    url = options.database or os.environ.get("BENCH_DATABASE_URL") or national.default_database(options.scale)
    load = os.getloadavg()[0]
    secret_key = secrets.token_urlsafe(64)
    os.environ["SECRET_KEY"] = secret_key  # the server checks the sessions this process signs
    national.setup_django(url)
    from django.db import connection

    repeat = options.repeat or (20 if options.scale == 1 else 8)
    cookie, client = session_cookie()
    chosen = [p for p in pages() if options.only in p.name]
    counts = {p.name: query_count(p, client) for p in chosen}
    server = Server(url, secret_key, workers=1)
    results = []
    try:
        for page in chosen:
            median, p95, cpu, size = measure(server, page, cookie, repeat)
            sql = raw_sql_ms(page.raw_sql, repeat)
            changed = after_change(server, page, cookie)
            results.append(Measured(page, counts[page.name], median, p95, cpu, size, sql, changed))
    finally:
        server.stop()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\n{options.scale}× on {connection.vendor}, {repeat} requests a page, gunicorn 1 worker, {when}\n")
    print(f"load average at the start: {load:.1f} (2 cores)\n")
    print(
        "| page | median ms | p95 ms | CPU ms/request | queries | size | raw SQL ms | ratio | CPU ratio "
        "| after a change ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.page.name} | {r.median_ms:,.0f} | {r.p95_ms:,.0f} | {r.cpu_ms:,.0f} | {r.queries} | "
            f"{r.size / 1024:,.0f} KB | {r.sql_ms:,.1f} | {r.ratio:,.1f}× | {r.cpu_ratio:,.1f}× | {r.changed_ms:,.0f} |"
        )
    print(
        "\nmedian, p95 and CPU: repeated requests of one signed-in user (what a page keeps under the data's generation"
        " is warm); after a change: the first request after a recorded change (nothing kept is current)."
    )
    if options.throughput:
        server = Server(url, secret_key, workers=2)
        try:
            by_name = {p.name: p.path for p in pages()}
            runs = {
                "dashboard": [by_name["national dashboard"]],
                "KPI page": [by_name["KPI page"]],
                "dashboard + KPI page alternately": [by_name["national dashboard"], by_name["KPI page"]],
            }
            print("\nthroughput, gunicorn 2 workers, 8 loopback clients (one signed-in user):\n")
            for name, paths in runs.items():
                print(f"- {name}: {throughput(server, paths, cookie, options.throughput)}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
