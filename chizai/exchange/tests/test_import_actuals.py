"""Importing actuals (実績): dry run, all-or-nothing apply, audit, and every rule of the entry form."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from chizai.audit.models import AuditEntry
from chizai.exchange.importing import FORMULA_MESSAGE, STALE_MESSAGE
from chizai.exchange.tests.conftest import ACTUALS_HEADER, bulk_kpis, table_sizes
from chizai.kpis.models import Actual, ActualSource, Evaluation, Shape
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status


@pytest.fixture
def seminars(make_plan, make_kpi):
    plan = make_plan()
    return make_kpi(plan=plan, name="知財セミナーの開催回数", unit="回", targets={2024: 40})


def _rows(*rows):
    return [ACTUALS_HEADER, *rows]


def test_it_imports_actuals_and_comments_as_typed(seminars, tokyo_editor, write_xlsx, import_file):
    rows = _rows(
        ["東京", "知財セミナーの開催回数", "", "2024上期", "1,234回", "順調に開催"],
        ["１３", "知財セミナー の開催回数", "令和6年度", "下期", "１２", ""],
        ["013", "知財セミナーの開催回数", "R5", "通期", 30, ""],
    )
    path = write_xlsx({"実績": rows})

    report = import_file(path, user=tokyo_editor, plan=seminars.plan)

    assert report.ok, report.problems
    figures = {(a.start_year, a.half): (a.value, a.source, a.source_note) for a in Actual.objects.filter(kpi=seminars)}
    assert figures == {
        (2024, "H1"): (Decimal(1234), ActualSource.IMPORTED, "取込.xlsx"),
        (2024, "H2"): (Decimal(12), ActualSource.IMPORTED, "取込.xlsx"),
        (2023, "FY"): (Decimal(30), ActualSource.IMPORTED, "取込.xlsx"),
    }
    evaluation = Evaluation.objects.get(kpi=seminars)
    assert (evaluation.start_year, evaluation.half, evaluation.text) == (2024, "H1", "順調に開催")
    assert report.counts == {"実績 新規": 3, "評価 新規": 1}


def test_a_dry_run_writes_nothing_and_lists_the_changes(seminars, tokyo_editor, write_csv, import_file):
    Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    path = write_csv(_rows(["東京都", "知財セミナーの開催回数", 2024, "上期", "12", "コメント"]))
    before = table_sizes()

    report = import_file(path, user=tokyo_editor, plan=seminars.plan, apply=False)

    assert report.ok and not report.applied
    assert table_sizes() == before
    assert Actual.objects.get(kpi=seminars).value == 10
    assert [(c.action, c.what, c.old, c.new) for c in report.changes] == [
        ("更新", "東京都 知財セミナーの開催回数 2024年度上期 実績", "10回", "12回"),
        ("新規", "東京都 知財セミナーの開催回数 2024年度上期 評価", "", "コメント"),
    ]


def test_apply_writes_with_audit_and_a_reimport_changes_nothing(seminars, tokyo_editor, write_xlsx, import_file):
    Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    path = write_xlsx({"実績": _rows(["東京都", "知財セミナーの開催回数", 2024, "上期", "12", "コメント"])})

    report = import_file(path, user=tokyo_editor, plan=seminars.plan)

    assert report.applied
    actual = Actual.objects.get(kpi=seminars)
    assert (actual.value, actual.version) == (Decimal(12), 2)
    entries = AuditEntry.objects.filter(kpi_id=seminars.pk).order_by("action")
    assert [e.action for e in entries] == ["kpi.actual.updated", "kpi.evaluation.created"]
    assert all(e.reason == f"ファイル取込: 取込.xlsx（SHA-256: {report.sha256}）" for e in entries)
    assert all(e.actor == tokyo_editor for e in entries)
    assert entries[0].changes["value"] == ["10", "12"]
    sizes = table_sizes()

    again = import_file(path, user=tokyo_editor, plan=seminars.plan)

    assert again.ok and again.counts == {"変更なし": 1} and not again.changes
    assert table_sizes() == sizes


def test_one_bad_row_among_many_writes_nothing(seminars, tokyo_editor, write_xlsx, import_file):
    rows = [["東京都", "知財セミナーの開催回数", year, "通期", 10, ""] for year in (2023, 2024, 2025)]
    rows.insert(1, ["東京都", "知財セミナーの開催回数", 2024, "上期", "十二", ""])
    before = table_sizes()

    report = import_file(write_xlsx({"実績": _rows(*rows)}), user=tokyo_editor, plan=seminars.plan)

    (problem,) = report.problems
    assert (problem.sheet, problem.row, problem.column) == ("実績", 3, "実績")
    assert "十二" in problem.message
    assert not report.applied and table_sizes() == before


def test_another_prefectures_row_is_refused(seminars, make_kpi, tokyo_editor, write_xlsx, import_file):
    make_kpi(plan=seminars.plan, owner="pref-27", name="大阪のKPI")
    rows = _rows(["東京都", "知財セミナーの開催回数", 2024, "", 1, ""], ["大阪府", "大阪のKPI", 2024, "", 1, ""])

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    (problem,) = report.problems
    assert (problem.row, problem.message) == (3, "大阪府のデータを取り込む権限がありません。")
    assert not Actual.objects.exists()


def test_the_chosen_organisation_owns_blank_rows_and_no_other(seminars, tokyo_editor, org, write_xlsx, import_file):
    rows = _rows(
        ["", "知財セミナーの開催回数", 2024, "", 5, ""], ["神奈川県", "知財セミナーの開催回数", 2025, "", 5, ""]
    )

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan, organization=org("pref-13"))

    assert [(p.row, p.column) for p in report.problems] == [(3, "都道府県")]
    assert report.counts["実績 新規"] == 1


def test_a_locked_value_is_refused_but_an_unchanged_one_is_not(seminars, tokyo_editor, write_xlsx, import_file):
    Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    period = ReportingPeriod.objects.create(
        plan=seminars.plan, fiscal_year=2024, half="H1", due_date=datetime.date(2024, 10, 31)
    )
    SelfEvaluation.objects.create(period=period, organization=seminars.owner, status=Status.ACCEPTED)

    same = import_file(
        write_xlsx({"実績": _rows(["東京都", "知財セミナーの開催回数", 2024, "上期", 10, ""])}, name="same.xlsx"),
        user=tokyo_editor,
        plan=seminars.plan,
    )
    changed = import_file(
        write_xlsx({"実績": _rows(["東京都", "知財セミナーの開催回数", 2024, "上期", 11, ""])}, name="changed.xlsx"),
        user=tokyo_editor,
        plan=seminars.plan,
    )

    assert same.ok and same.counts == {"変更なし": 1}
    (problem,) = changed.problems
    assert "確定" in problem.message and problem.row == 2
    assert Actual.objects.get(kpi=seminars).value == 10


def test_computed_and_qualitative_kpis_take_no_figures(seminars, make_kpi, tokyo_editor, write_xlsx, import_file):
    make_kpi(plan=seminars.plan, name="支援件数", counting_rule="cases_started_regional")
    make_kpi(plan=seminars.plan, name="知財意識", shape=Shape.QUALITATIVE)
    rows = _rows(
        ["東京都", "支援件数", 2024, "", 3, ""],
        ["東京都", "知財意識", 2024, "", 3, ""],
        ["東京都", "知財意識", 2025, "", "", "意識が高まった"],
    )

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    messages = {p.row: p.message for p in report.problems}
    assert set(messages) == {2, 3}
    assert messages[2] == "この指標の実績はハンズオン支援案件から自動集計されるため、取り込めません。"
    assert "評価コメントのみ" in messages[3]


def test_unknown_kpis_blank_figures_and_duplicates(seminars, tokyo_editor, write_xlsx, import_file):
    rows = _rows(
        ["東京都", "知財セミナーの開催回数", 2024, "上期", 1, ""],
        ["東京都", "存在しないKPI", 2024, "", 1, ""],
        ["東京都", "知財セミナーの開催回数", 2025, "", "", ""],
        [],
        ["東京都", "知財セミナーの開催回数", "2024年度", "上半期", 2, ""],
    )

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    messages = [(p.row, p.message) for p in report.problems]
    assert messages[0][0] == 3 and messages[0][1].startswith("登録されていないKPIです")
    assert messages[1:] == [(4, "実績が空欄です。"), (6, "同じKPI・期間の行が2行目にもあります。")]


def test_ratio_rules_of_the_entry_form(make_plan, make_kpi, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    make_kpi(plan=plan, name="割合", unit="%", shape=Shape.RATIO)
    header = ["都道府県", "KPI名", "年度", "実績", "該当数", "対象数"]
    rows = [
        header,
        ["東京都", "割合", 2023, "", 3, 4],
        ["東京都", "割合", 2024, "", 5, 4],
        ["東京都", "割合", 2025, "", 3, ""],
        ["東京都", "割合", "2023上期", "101%", "", ""],
        ["東京都", "割合", "2024上期", "50%", 1, 2],
        ["東京都", "割合", "2025上期", "", 1, 0],
    ]

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=plan)

    found = [(p.row, p.column) for p in report.problems]
    assert found == [(3, "該当数"), (4, "該当数"), (5, "実績"), (6, "実績"), (7, "対象数")]
    assert [p.message for p in report.problems] == [  # word for word what the entry form says
        "該当数が対象数を超えています。",
        "該当数（分子）と対象数（分母）は両方入力してください。",
        "割合は100%以下で入力してください。",
        "割合と、該当数・対象数のどちらか一方だけを入力してください。",
        "対象数（分母）に0は入力できません。",
    ]


def test_subsets_never_exceed_their_parent(make_plan, make_kpi, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    parent = make_kpi(plan=plan, name="支援企業数")
    make_kpi(plan=plan, name="うち新規企業数", parent=parent)
    rows = _rows(["東京都", "支援企業数", 2024, "", 10, ""], ["東京都", "うち新規企業数", 2024, "", 12, ""])

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=plan)

    assert report.problems and all(p.row in (2, 3) for p in report.problems)
    assert "内数" in report.problems[0].message
    assert not Actual.objects.exists()


def test_formula_cells_are_refused(seminars, tokyo_editor, write_xlsx, import_file):
    rows = _rows(["東京都", "知財セミナーの開催回数", 2024, "", "=SUM(1,2)", ""])

    report = import_file(write_xlsx({"実績": rows}), user=tokyo_editor, plan=seminars.plan)

    (problem,) = report.problems
    assert (problem.row, problem.column, problem.message) == (2, "実績", FORMULA_MESSAGE)


def test_an_apply_after_someone_else_changed_the_data_is_refused(seminars, tokyo_editor, write_xlsx, import_file):
    actual = Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    path = write_xlsx({"実績": _rows(["東京都", "知財セミナーの開催回数", 2024, "上期", 12, ""])})
    checked = import_file(path, user=tokyo_editor, plan=seminars.plan, apply=False)
    Actual.objects.filter(pk=actual.pk).update(value=11, version=2)  # another user's edit in between

    report = import_file(path, user=tokyo_editor, plan=seminars.plan, expected_fingerprint=checked.fingerprint)

    assert [p.message for p in report.problems] == [STALE_MESSAGE]
    assert Actual.objects.get(pk=actual.pk).value == 11


def test_an_unchanged_fingerprint_applies(seminars, tokyo_editor, write_xlsx, import_file):
    Actual.objects.create(kpi=seminars, start_year=2024, end_year=2024, half="H1", value=10)
    path = write_xlsx({"実績": _rows(["東京都", "知財セミナーの開催回数", 2024, "上期", 12, ""])})
    checked = import_file(path, user=tokyo_editor, plan=seminars.plan, apply=False)

    report = import_file(path, user=tokyo_editor, plan=seminars.plan, expected_fingerprint=checked.fingerprint)

    assert report.applied and Actual.objects.get(kpi=seminars).value == 12


def test_progress_is_reported_every_thousand_rows(make_plan, tokyo_editor, write_csv, import_file):
    plan = make_plan()
    kpis = bulk_kpis(plan, [f"指標{n}" for n in range(700)])
    rows = [["東京都", k.name, year, "", n, ""] for n, k in enumerate(kpis) for year in (2023, 2024)]
    calls: list[int] = []

    report = import_file(write_csv(_rows(*rows)), user=tokyo_editor, plan=plan, progress=calls.append)

    assert report.ok and report.counts["実績 新規"] == 1400
    assert calls == [1000, 1400]
    assert Actual.objects.filter(kpi__plan=plan).count() == 1400
    assert AuditEntry.objects.filter(action="kpi.actual.created", plan_id=plan.pk).count() == 1400
