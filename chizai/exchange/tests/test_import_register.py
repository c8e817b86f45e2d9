"""Importing a regional KPI register (KPI一覧): KPIs and targets from .xlsx and CP932 CSV, as offices type them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from chizai.exchange.tests.conftest import REGISTER_HEADER, table_sizes
from chizai.kpis.achievement import results
from chizai.kpis.models import Kpi, KpiKind, Shape, Target

TODAY = datetime.date(2030, 1, 1)  # every target period of the test plan (FY2023–2025) has ended

REGISTER_ROWS = [
    ["東京都", "知財セミナーの開催回数", "回", "毎年度", "", "", "2024", "40", "東京都産業振興ビジョン"],
    ["東京", "知財を活用した新商品の数", "件", "累計", "", "", "令和7年度", "1,234件", ""],
    ["13", "知財戦略を策定した企業の割合", "%", "割合", "", "", "R6", "15%", ""],
]


def _kpis(plan: object) -> dict[str, Kpi]:
    return {k.name: k for k in Kpi.objects.with_values().filter(plan=plan)}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_it_creates_kpis_and_targets_from_a_register(kind, make_plan, tokyo_editor, write_xlsx, write_csv, import_file):
    plan = make_plan()
    rows = [REGISTER_HEADER, *REGISTER_ROWS]
    path = write_xlsx({"KPI一覧": rows}) if kind == "xlsx" else write_csv(rows, encoding="cp932")

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    assert report.applied and report.kinds == ["register"]
    assert report.counts["KPI 新規"] == 3 and report.counts["目標 新規"] == 3
    kpis = _kpis(plan)
    seminars = kpis["知財セミナーの開催回数"]
    assert (seminars.kind, seminars.owner.code, seminars.shape, seminars.unit) == (
        KpiKind.REGIONAL,
        "pref-13",
        Shape.PER_PERIOD,
        "回",
    )
    assert seminars.target_source == "東京都産業振興ビジョン"
    assert sorted(k.code for k in kpis.values()) == ["r13-1", "r13-2", "r13-3"]
    products = kpis["知財を活用した新商品の数"]
    # A cumulative target runs from the plan's first year to the target year.
    assert [(t.start_year, t.end_year, t.value) for t in products.targets.all()] == [(2023, 2025, Decimal(1234))]
    ratio = kpis["知財戦略を策定した企業の割合"].targets.get()
    assert (ratio.start_year, ratio.end_year, ratio.value, ratio.note) == (2024, 2024, Decimal(15), "以上")


def test_the_imported_kpis_show_the_right_achievement(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    target, first_half, second_half = 40, 13, 14
    actuals = [
        ["都道府県", "KPI名", "期", "実績"],
        ["東京都", "知財セミナーの開催回数", "2024上期", f"{first_half}回"],
        ["東京都", "知財セミナーの開催回数", "2024下期", str(second_half)],
    ]
    path = write_xlsx({"KPI一覧": [REGISTER_HEADER, REGISTER_ROWS[0]], "実績": actuals})

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    assert report.kinds == ["register", "actuals"]
    kpi = Kpi.objects.with_values().get(plan=plan, name="知財セミナーの開催回数")
    (result,) = results(kpi, TODAY)
    expected = ((Decimal(first_half + second_half) / target) * 100).quantize(Decimal(1))  # 67.5 → 68
    assert result.target == target and result.actual == first_half + second_half
    assert result.achievement == expected == 68


def test_it_reads_headers_as_people_write_them(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    rows = [
        ["令和6年度 地域KPI一覧（東京都）"],  # a title row above the header
        [],
        [
            "自治体名",
            " ＫＰＩ 名 ",
            "単　位",
            "目標の形式",
            "R5目標",
            "2024年度目標",
            "令和7年度目標",
            "ビジョン",
            "備考",
        ],
        ["013", "知財相談の件数", "件", "毎年度", "１００", "1,100件", " 120 ", "", "独自の列は無視されます"],
    ]
    path = write_xlsx({"KPI一覧": rows})

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    kpi = Kpi.objects.get(plan=plan, name="知財相談の件数")
    assert kpi.owner.code == "pref-13"
    assert [(t.end_year, t.value) for t in kpi.targets.order_by("end_year")] == [
        (2023, Decimal(100)),
        (2024, Decimal(1100)),
        (2025, Decimal(120)),
    ]


def test_hidden_and_instruction_sheets_are_skipped(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    instructions = [["記入方法"], ["都道府県", "都道府県名を入力します"], ["KPI名", "KPIの名称"]]
    hidden = [REGISTER_HEADER, ["東京都", "隠しシートのKPI", "件", "毎年度", "", "", "2024", "5", ""]]
    visible = [REGISTER_HEADER, REGISTER_ROWS[0]]
    path = write_xlsx({"記入方法": instructions, "作業用": hidden, "KPI一覧": visible}, hidden=["作業用"])

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    assert report.kinds == ["register"]
    assert list(Kpi.objects.filter(plan=plan).values_list("name", flat=True)) == ["知財セミナーの開催回数"]


def test_a_file_without_any_known_sheet_lists_the_headings(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    path = write_xlsx({"Sheet1": [["名前", "数"], ["a", 1]]})

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert not report.ok and not report.applied
    assert "都道府県・KPI名・単位・形式" in report.problems[0].message


def test_a_missing_required_column_is_one_problem(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    rows = [
        ["都道府県", "KPI名", "形式", "目標年度", "目標値"],
        ["東京都", "a", "毎年度", 2024, 5],
        ["東京都", "b", "毎年度", 2024, 5],
    ]
    path = write_xlsx({"KPI一覧": rows})

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.problem_count == 1
    assert "「単位」" in report.problems[0].message and report.problems[0].sheet == "KPI一覧"
    assert not Kpi.objects.filter(plan=plan).exists()


def test_kpis_are_matched_by_name_ignoring_spaces_and_width_and_updated(
    make_plan, make_kpi, tokyo_editor, write_xlsx, import_file
):
    plan = make_plan()
    kpi = make_kpi(plan=plan, name="知財セミナーの開催回数", unit="回", targets={2024: 30})
    rows = [REGISTER_HEADER, ["東京都", "知財セミナー の 開催回数", "回", "毎年度", "", "", "2024", "４０", ""]]

    report = import_file(write_xlsx({"KPI一覧": rows}), user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    assert Kpi.objects.filter(plan=plan).count() == 1
    target = Target.objects.get(kpi=kpi)
    assert (target.value, target.version) == (Decimal(40), 2)
    assert report.counts["目標 更新"] == 1 and "KPI 更新" not in report.counts
    (change,) = report.changes
    assert (change.old, change.new) == ("30回", "40回")


def test_a_kpi_code_must_belong_to_the_rows_prefecture(make_plan, make_kpi, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    make_kpi(plan=plan, owner="pref-14", code="r14-1", name="神奈川のKPI")
    rows = [["都道府県", "KPIコード", "KPI名", "単位", "形式"], ["東京都", "r14-1", "神奈川のKPI", "件", "毎年度"]]

    report = import_file(write_xlsx({"KPI一覧": rows}), user=tokyo_editor, plan=plan)

    assert report.problems[0].column == "KPIコード" and "r14-1" in report.problems[0].message


def test_new_codes_follow_the_existing_ones(make_plan, make_kpi, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    existing = make_kpi(plan=plan, code="r13-4", name="既存")
    Kpi.objects.filter(pk=existing.pk).update(sort_order=50)
    rows = [REGISTER_HEADER, REGISTER_ROWS[0]]

    import_file(write_xlsx({"KPI一覧": rows}), user=tokyo_editor, plan=plan)

    new = Kpi.objects.get(plan=plan, name="知財セミナーの開催回数")
    assert new.code == "r13-5" and new.sort_order > 50


def test_shape_rules(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    rows = [
        REGISTER_HEADER,
        ["東京都", "割合のKPI", "件", "割合", "", "", "2024", "50", ""],
        ["東京都", "基準値のないKPI", "件", "基準値→目標値", "", "", "2025", "50", ""],
        ["東京都", "計画期間外の目標", "件", "毎年度", "", "", "2030", "50", ""],
        ["東京都", "目標年度のない目標", "件", "毎年度", "", "", "", "50", ""],
        ["東京都", "形式が不明", "件", "ときどき", "", "", "2024", "50", ""],
        ["東京都", "負の目標", "件", "毎年度", "", "", "2024", "-5", ""],
    ]

    report = import_file(write_xlsx({"KPI一覧": rows}), user=tokyo_editor, plan=plan)

    found = {(p.row, p.column) for p in report.problems}
    assert found == {(2, "単位"), (3, "基準値"), (4, "目標年度"), (5, "目標年度"), (6, "形式"), (7, "目標値")}
    assert "2023～2025年度" in next(p.message for p in report.problems if p.row == 4)
    assert not Kpi.objects.filter(plan=plan).exists()


def test_qualitative_and_baseline_kpis(make_plan, tokyo_editor, write_csv, import_file):
    plan = make_plan()
    rows = [
        REGISTER_HEADER,
        ["東京都", "知財意識の醸成", "", "定性", "", "", "", "県内企業の知財意識を高める", ""],
        ["東京都", "特許出願件数", "件", "基準値→目標値", "令和4年度", "1,000", "2025", "1200", ""],
    ]

    report = import_file(write_csv(rows, encoding="utf-8-sig"), user=tokyo_editor, plan=plan)

    assert report.ok, report.problems
    kpis = _kpis(plan)
    qualitative = kpis["知財意識の醸成"]
    assert qualitative.description == "目標（定性）: 県内企業の知財意識を高める"
    assert not qualitative.targets.exists()
    baseline = kpis["特許出願件数"]
    assert (baseline.baseline_year, baseline.baseline_value) == (2022, Decimal(1000))
    assert [(t.start_year, t.value) for t in baseline.targets.all()] == [(2025, Decimal(1200))]


def test_reimporting_the_same_register_changes_nothing(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    path = write_xlsx({"KPI一覧": [REGISTER_HEADER, *REGISTER_ROWS]})
    import_file(path, user=tokyo_editor, plan=plan)
    before = table_sizes()

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert report.ok and report.counts == {"変更なし": 3}
    assert table_sizes() == before


def test_duplicate_kpi_rows_are_refused(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    path = write_xlsx({"KPI一覧": [REGISTER_HEADER, REGISTER_ROWS[0], REGISTER_ROWS[0]]})

    report = import_file(path, user=tokyo_editor, plan=plan)

    assert [(p.row, p.message) for p in report.problems] == [(3, "同じKPIの行が2行目にもあります。")]
    assert not Kpi.objects.filter(plan=plan).exists()


def test_another_prefectures_register_row_is_refused(make_plan, tokyo_editor, write_xlsx, import_file):
    plan = make_plan()
    rows = [REGISTER_HEADER, REGISTER_ROWS[0], ["大阪府", "大阪のKPI", "件", "毎年度", "", "", "2024", "5", ""]]

    report = import_file(write_xlsx({"KPI一覧": rows}), user=tokyo_editor, plan=plan)

    (problem,) = report.problems
    assert (problem.row, problem.column, problem.message) == (
        3,
        "都道府県",
        "大阪府のデータを取り込む権限がありません。",
    )
    assert not Kpi.objects.filter(plan=plan).exists()


def test_an_overlong_kpi_name_is_refused_in_japanese(make_plan, tokyo_editor, write_xlsx, import_file):
    row = ["東京都", "あ" * 1001, "回", "毎年度", "", "", "2024", "40", ""]

    report = import_file(write_xlsx({"KPI一覧": [REGISTER_HEADER, row]}), user=tokyo_editor, plan=make_plan())

    assert [p.message for p in report.problems] == ["KPI名は1,000文字以内で入力してください。"]
    assert not report.applied
