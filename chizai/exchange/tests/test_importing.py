"""The import's two steps: a check that writes nothing and holds no lock, then one all-or-nothing write."""

from __future__ import annotations

import datetime
import io
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from chizai.audit import log as audit_log
from chizai.audit.models import AuditEntry
from chizai.exchange import context as import_context
from chizai.exchange import importing
from chizai.exchange.importing import STALE_MESSAGE
from chizai.exchange.tests.conftest import ACTUALS_HEADER, REGISTER_HEADER, bulk_kpis, table_sizes
from chizai.kpis import figures
from chizai.kpis.actions import save_actual
from chizai.kpis.models import Actual, Evaluation, Kpi, Target
from chizai.pdca.models import ReportingPeriod, SelfEvaluation
from chizai.pdca.models import Status as SelfEvaluationStatus

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.fixture
def seminars(make_plan, make_kpi):
    return make_kpi(plan=make_plan(), name="知財セミナーの開催回数", unit="回", targets={2024: 40})


def test_a_dry_run_issues_no_write_at_all(seminars, tokyo_editor, write_xlsx, import_file):
    Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    Evaluation.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", text="前回")
    register = [REGISTER_HEADER, ["東京都", "知財セミナーの開催回数", "回", "毎年度", "", "", "2025", "45", ""]]
    register.append(["東京都", "新しい指標", "件", "毎年度", "", "", "2024", "5", ""])
    actuals = [ACTUALS_HEADER, ["東京都", "知財セミナーの開催回数", 2024, "上期", "12", "順調"]]
    actuals.append(["東京都", "新しい指標", 2024, "", "3", "初年度"])
    path = write_xlsx({"KPI一覧": register, "実績": actuals})

    with CaptureQueriesContext(connection) as queries:
        report = import_file(path, user=tokyo_editor, plan=seminars.plan, apply=False)

    assert report.ok, report.problems
    assert _writes(queries) == []
    assert report.counts == {
        "KPI 新規": 1,
        "目標 新規": 2,
        "実績 更新": 1,
        "実績 新規": 1,
        "評価 更新": 1,
        "評価 新規": 1,
    }
    assert ("更新", "10回", "12回") in [(c.action, c.old, c.new) for c in report.changes]


def test_a_file_that_creates_a_kpi_and_its_actuals_applies_in_one_go(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    register = [REGISTER_HEADER, ["東京都", "新しい指標", "件", "毎年度", "", "", "2024", "5", ""]]
    actuals = [ACTUALS_HEADER, ["東京都", "新しい指標", 2024, "", "3", "初年度"]]

    report = import_file(write_xlsx({"KPI一覧": register, "実績": actuals}), user=tokyo_editor, plan=plan)

    assert report.applied, report.problems
    kpi = Kpi.objects.get(plan=plan, name="新しい指標")
    assert Target.objects.get(kpi=kpi).value == Decimal(5)
    assert Actual.objects.get(kpi=kpi).value == Decimal(3)
    assert Evaluation.objects.get(kpi=kpi).text == "初年度"
    actions = sorted(AuditEntry.objects.filter(kpi_id=kpi.pk).values_list("action", flat=True))
    assert actions == ["kpi.actual.created", "kpi.created", "kpi.evaluation.created", "kpi.target.created"]


def test_a_row_changed_between_the_check_and_the_write_is_a_conflict(
    seminars, tokyo_editor, write_xlsx, import_file, monkeypatch
):
    stored = Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    rows = [ACTUALS_HEADER, ["東京都", "知財セミナーの開催回数", 2024, "上期", 12, ""]]
    rows.append(["東京都", "知財セミナーの開催回数", 2024, "下期", 20, ""])
    original = importing._apply

    def someone_saves_first(context):
        Actual.objects.filter(pk=stored.pk).update(value=11, version=F("version") + 1)
        original(context)

    monkeypatch.setattr(importing, "_apply", someone_saves_first)
    before = table_sizes()

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    assert not report.applied
    assert [p.message for p in report.problems] == [STALE_MESSAGE]
    assert table_sizes() == before  # not even the other half's new row
    assert Actual.objects.get(pk=stored.pk).value == 11


def test_a_row_created_between_the_check_and_the_write_is_a_conflict(
    seminars, tokyo_editor, write_xlsx, import_file, monkeypatch
):
    rows = [ACTUALS_HEADER, ["東京都", "知財セミナーの開催回数", 2024, "上期", 12, ""]]
    original = importing._apply

    def someone_saves_first(context):
        Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=9)
        original(context)

    monkeypatch.setattr(importing, "_apply", someone_saves_first)

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    assert [p.message for p in report.problems] == [STALE_MESSAGE]
    assert Actual.objects.get(kpi=seminars).value == 9


def test_a_large_import_writes_in_a_fixed_number_of_queries(make_plan, tokyo_editor, write_csv, import_file):
    plan = make_plan()
    kpis = bulk_kpis(plan, [f"指標{n}" for n in range(400)])
    rows = [
        ["東京都", k.name, year, "", n, "順調" if n % 10 == 0 else ""]
        for n, k in enumerate(kpis)
        for year in (2023, 2024)
    ]
    path = write_csv([ACTUALS_HEADER, *rows])

    with CaptureQueriesContext(connection) as queries:
        report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.applied and report.counts["実績 新規"] == 800
    assert len(queries.captured_queries) < 60, [q["sql"][:80] for q in queries.captured_queries]
    assert Actual.objects.filter(kpi__plan=plan).count() == 800
    # Written in bulk (COPY on PostgreSQL) with the figures computed ahead: the chain and the figures hold.
    assert figures.verify(Kpi.objects.filter(plan=plan)) == []
    call_command("verify_audit", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_user_saves_while_a_big_import_is_being_checked(make_plan, tokyo_editor, write_csv, monkeypatch):
    plan = make_plan()
    kpis = bulk_kpis(plan, [f"指標{n}" for n in range(30)])
    elsewhere = Kpi.objects.get(pk=kpis[-1].pk)
    rows = [["東京都", k.name, 2024, "", n, ""] for n, k in enumerate(kpis[:-1])]
    path = write_csv([ACTUALS_HEADER, *rows])
    monkeypatch.setattr(import_context, "PROGRESS_EVERY", 10)
    saved: list[object] = []
    errors: list[BaseException] = []

    def other_user_saves() -> None:  # its own connection, as another request would have
        try:
            actual = save_actual(
                kpi=elsewhere, start_year=2024, end_year=2024, value=Decimal(len(saved) + 1), expected_version=None,
                actor=tokyo_editor,
            )  # fmt: skip
            saved.append(actual)
        except BaseException as error:  # noqa: BLE001 (the test reports whatever stopped the save)
            errors.append(error)
        finally:
            connections.close_all()

    def progress(rows_read: int) -> None:
        if rows_read < 29:  # while the check is still reading
            thread = threading.Thread(target=other_user_saves)
            thread.start()
            thread.join(timeout=30)

    report = importing.run_import(
        path=path, file_name=path.name, sha256="0" * 64, plan=plan, user=tokyo_editor, apply=True, progress=progress
    )

    assert errors == []
    assert len(saved) == 2
    assert report.applied and report.counts["実績 新規"] == 29
    assert Actual.objects.get(kpi=elsewhere).value == Decimal(2)


def _after_preparing(monkeypatch, then):  # type: ignore[no-untyped-def]
    """Run `then()` once the apply has prepared its write, just before its transaction."""
    original = importing._prepare

    def prepared(*args, **kwargs):  # type: ignore[no-untyped-def]
        ahead = original(*args, **kwargs)
        then()
        return ahead

    monkeypatch.setattr(importing, "_prepare", prepared)


def test_a_row_changed_after_the_write_was_prepared_is_a_conflict(
    seminars, tokyo_editor, write_xlsx, import_file, monkeypatch
):
    stored = Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    rows = [ACTUALS_HEADER, ["東京都", "知財セミナーの開催回数", 2024, "上期", 12, "見直し"]]
    rows.append(["東京都", "知財セミナーの開催回数", 2024, "下期", 20, ""])
    _after_preparing(
        monkeypatch, lambda: Actual.objects.filter(pk=stored.pk).update(value=11, version=F("version") + 1)
    )
    before = table_sizes()

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    assert not report.applied
    assert [p.message for p in report.problems] == [STALE_MESSAGE]
    assert table_sizes() == before  # neither the other half's new row, nor the comment, nor an audit entry
    assert Actual.objects.get(pk=stored.pk).value == 11


def test_a_figure_locked_after_the_write_was_prepared_is_refused(
    seminars, tokyo_editor, write_xlsx, import_file, monkeypatch
):
    rows = [ACTUALS_HEADER, ["東京都", "知財セミナーの開催回数", 2025, "", 30, ""]]
    rows.append(["東京都", "知財セミナーの開催回数", 2024, "上期", 12, ""])

    def accepted() -> None:  # the prefecture's self-evaluation for 2024 上期 is accepted meanwhile
        period = ReportingPeriod.objects.create(
            plan=seminars.plan, fiscal_year=2024, half="H1", due_date=datetime.date(2024, 10, 31)
        )
        SelfEvaluation.objects.create(period=period, organization=seminars.owner, status=SelfEvaluationStatus.ACCEPTED)

    _after_preparing(monkeypatch, accepted)
    before = table_sizes()

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    assert not report.applied
    (problem,) = report.problems
    assert "確定" in problem.message and problem.row == 3
    assert table_sizes() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_other_users_save_while_an_apply_runs_and_its_transaction_does_no_building(
    make_plan, tokyo_editor, write_csv, monkeypatch
):
    """The rows, audit entries and figures are built before the write transaction: another user's save made
    meanwhile goes straight through (and its KPI's figures are computed again inside); one made during the
    transaction waits only for the writes, never for the building."""
    plan = make_plan()
    kpis = bulk_kpis(plan, [f"指標{n}" for n in range(30)])
    touched, untouched = Kpi.objects.get(pk=kpis[0].pk), Kpi.objects.get(pk=kpis[-1].pk)
    rows = [["東京都", k.name, 2024, "", n, "順調" if n % 3 == 0 else ""] for n, k in enumerate(kpis[:-1])]
    path = write_csv([ACTUALS_HEADER, *rows])
    main = threading.current_thread()
    built: list[tuple[str, bool, int]] = []  # (what, inside a transaction, KPI) by the import's own thread
    errors: list[BaseException] = []
    waited: list[float] = []

    def watch(module, name, what, kpi_of):  # type: ignore[no-untyped-def]
        original = getattr(module, name)

        def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread() is main:
                built.append((what, connection.in_atomic_block, kpi_of(*args, **kwargs)))
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, watched)

    watch(audit_log, "diff", "audit entry", lambda *a, **k: None)  # every entry, drafted or built, starts there
    watch(figures, "compute_values", "figures", lambda kpi: kpi.pk)  # every KPI's figures, ahead or inside

    def other_user_saves(kpi: Kpi, year: int) -> None:  # its own connection, as another request would have
        started = time.monotonic()
        try:
            save_actual(
                kpi=kpi, start_year=year, end_year=year, value=Decimal(7), expected_version=None, actor=tokyo_editor
            )
        except BaseException as error:  # noqa: BLE001 (the test reports whatever stopped the save)
            errors.append(error)
        finally:
            waited.append(time.monotonic() - started)
            connections.close_all()

    def while_prepared() -> None:
        thread = threading.Thread(target=other_user_saves, args=(touched, 2025))
        thread.start()
        thread.join(timeout=15)
        assert not thread.is_alive(), "a save had to wait for an import that had not begun to write"

    _after_preparing(monkeypatch, while_prepared)
    during: list[threading.Thread] = []
    changed_since = figures.changed_since

    def inside_the_transaction(ahead):  # type: ignore[no-untyped-def]
        # PostgreSQL: a save of another KPI needs no lock the import holds. (The tests' SQLite is one in-memory
        # database whose tables a writer locks outright, unlike the WAL file of a server, where a save waits for
        # the import's commit: what keeps that wait short is that nothing is built inside, asserted below.)
        if connection.vendor == "postgresql":
            during.append(threading.Thread(target=other_user_saves, args=(untouched, 2024)))
            during[0].start()
            during[0].join(timeout=15)
            assert not during[0].is_alive(), "a save of a KPI the import does not touch waited for the import"
        return changed_since(ahead)

    monkeypatch.setattr(figures, "changed_since", inside_the_transaction)

    report = importing.run_import(
        path=path, file_name=path.name, sha256="0" * 64, plan=plan, user=tokyo_editor, apply=True
    )

    assert errors == [] and len(waited) == 1 + len(during)
    assert report.applied and report.counts["実績 新規"] == 29
    assert Actual.objects.get(kpi=touched, start_year=2025).value == 7
    assert [a.value for a in Actual.objects.filter(kpi=untouched)] == [Decimal(7)] * len(during)
    assert max(waited) < settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 20)
    # Inside the transaction nothing is built but the figures of the one KPI someone else wrote to meanwhile.
    inside = {(what, kpi) for what, in_transaction, kpi in built if in_transaction}
    assert inside == {("figures", touched.pk)}
    assert len([what for what, _, _ in built if what == "audit entry"]) == 29 + 10  # actuals, comments
    assert figures.verify(Kpi.objects.filter(plan=plan, actuals__isnull=False).distinct()) == []
    call_command("verify_audit", stdout=io.StringIO())
