"""`chizai import FILE --user … [--dry-run]`, and registers made by LibreOffice."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from chizai.audit.models import AuditEntry
from chizai.exchange.tests.conftest import ACTUALS_HEADER, FIXTURES, bulk_kpis
from chizai.kpis.models import Actual, Kpi


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def actuals_file(make_plan, make_kpi, write_csv):
    plan = make_plan()
    make_kpi(plan=plan, name="知財セミナーの開催回数", unit="回")
    rows = [ACTUALS_HEADER, ["東京都", "知財セミナーの開催回数", 2024, "上期", "12回", ""]]
    return plan, write_csv(rows, name="実績.csv")


def test_a_dry_run_reports_and_writes_nothing(actuals_file, tokyo_editor):
    plan, path = actuals_file

    code, out, err = _run(str(path), "--user", "tokyo_editor", "--plan", str(plan.number), "--dry-run")

    assert code == 0
    assert "確認のみ（ドライラン）" in out and "実績 新規: 1" in out
    assert "[新規] 東京都 知財セミナーの開催回数 2024年度上期 実績 12回" in out
    assert "1行 …" in err
    assert not Actual.objects.exists() and not AuditEntry.objects.filter(plan_id=plan.pk).exists()


def test_apply_writes_and_names_the_file(actuals_file, tokyo_editor):
    plan, path = actuals_file

    code, out, _ = _run(str(path), "--user", "tokyo_editor", "--plan", str(plan.number))

    assert code == 0 and "取込が完了しました" in out
    assert Actual.objects.get().value == 12
    assert AuditEntry.objects.get(plan_id=plan.pk).reason.startswith("ファイル取込: 実績.csv（SHA-256: ")


def test_problems_give_a_non_zero_exit_and_their_location(actuals_file, osaka_editor):
    plan, path = actuals_file

    code, out, _ = _run(str(path), "--user", "osaka_editor", "--plan", str(plan.number))

    assert code == 1
    assert "シート「実績.csv」 2行目 列「都道府県」: 東京都のデータを取り込む権限がありません。" in out
    assert not Actual.objects.exists()


def test_progress_is_printed_every_thousand_rows(make_plan, write_csv, tokyo_editor):
    plan = make_plan()
    kpis = bulk_kpis(plan, [f"指標{n}" for n in range(1209)])
    rows = [["東京都", kpi.name, 2023, "", 1, ""] for kpi in kpis]

    code, _, err = _run(str(write_csv([ACTUALS_HEADER, *rows])), "--user", "tokyo_editor", "--dry-run")

    assert code == 0
    assert err.splitlines()[1:] == ["1,000行 …", "1,209行 …"]


def test_an_unknown_user_is_refused(actuals_file):
    _, path = actuals_file
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="有効な利用者が見つかりません"):
        call_command("import", str(path), "--user", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def _libreoffice_result(plan) -> list[tuple]:
    kpis = Kpi.objects.with_values().filter(plan=plan).order_by("code")
    return [
        (
            k.code,
            k.name,
            k.unit,
            k.shape,
            k.baseline_year,
            k.baseline_value,
            [(t.start_year, t.end_year, t.value, t.note) for t in k.targets.all()],
        )
        for k in kpis
    ]


@pytest.mark.parametrize("name", ["register_libreoffice.xlsx", "register_libreoffice_sjis.csv"])
def test_a_register_made_by_libreoffice_imports(name, make_plan, tokyo_editor, import_file):
    plan = make_plan()

    report = import_file(FIXTURES / name, user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    assert _libreoffice_result(plan) == [
        ("r13-1", "知財セミナーの開催回数", "回", "per_period", None, None, [(2024, 2024, Decimal(40), "")]),
        ("r13-2", "知財を活用した新商品の数", "件", "cumulative", None, None, [(2023, 2025, Decimal(1234), "")]),
        ("r13-3", "知財戦略を策定した企業の割合", "%", "ratio", None, None, [(2024, 2024, Decimal(15), "以上")]),
        ("r13-4", "特許出願件数", "件", "baseline_target", 2022, Decimal(1000), [(2025, 2025, Decimal(1200), "")]),
    ]


@pytest.mark.parametrize("name", ["actuals_libreoffice.xlsx", "actuals_libreoffice_sjis.csv"])
def test_actuals_made_by_libreoffice_give_the_achievement_computed_from_them(
    name, make_plan, tokyo_editor, import_file
):
    """Register and actuals typed in LibreOffice: after both imports the KPIs show the plan's achievement rates."""
    import datetime

    from chizai.kpis.achievement import results

    plan = make_plan()
    assert import_file(FIXTURES / "register_libreoffice.xlsx", user=tokyo_editor, plan=plan).ok

    dry_run = import_file(FIXTURES / name, user=tokyo_editor, plan=plan, apply=False)
    assert dry_run.ok, dry_run.problems
    assert dry_run.counts["実績 新規"] == 5 and dry_run.counts["評価 新規"] == 2
    assert not Actual.objects.filter(kpi__plan=plan).exists()  # the dry run wrote nothing

    report = import_file(FIXTURES / name, user=tokyo_editor, plan=plan)

    assert report.ok and report.applied
    today = datetime.date(2026, 11, 24)
    by_name = {k.name: k for k in Kpi.objects.with_values().filter(plan=plan)}

    def period(kpi_name: str, start: int, end: int):
        return next(r for r in results(by_name[kpi_name], today) if (r.start_year, r.end_year) == (start, end))

    seminars = period("知財セミナーの開催回数", 2024, 2024)  # 上期 22 + 下期 26 = 48 of 40
    assert (seminars.actual, seminars.achievement) == (Decimal(48), Decimal(120))
    ratio = period("知財戦略を策定した企業の割合", 2024, 2024)  # 12% against 15% 以上
    assert (ratio.actual, ratio.achievement) == (Decimal(12), Decimal(80))
    products = period("知財を活用した新商品の数", 2023, 2025)  # 400 + 1,000 so far of 1,234 over three years
    assert products.actual == Decimal(1400)
