"""`chizai report 2 --format md` reproduces the 2nd plan's results as the 3rd plan reports them (I.2(2))."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models

from chizai.audit.models import AuditEntry
from chizai.kpis.models import Actual, KpiFigure, Target
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.report import plan_report_markdown
from chizai.kpis.tests.conftest import PLAN2_FILE

SEED = Path("/work/shared/seed/3rd_regional_ip_action_plan_2023.md")


def report(*args: str) -> str:
    out = StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def seed_section_i_2_2() -> str:
    """The text of the 3rd plan's section I.2(2) 第2次行動計画の実績及び成果, up to (3)."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("第2次行動計画の実績及び成果**")
    end = text.index("第 2 次行動計画策定後の現状及び課題", start)
    return text[start:end]


@pytest.mark.django_db
def test_it_reports_the_core_indicator_years_as_the_plan_does(plan2):
    output = report("2", "--format", "md", "--as-of", "2023-06-01")

    assert "【実績】2020年度 267社(107%)、2021年度 256社(102%)、2022年度 277社(111%)" in lines_of(output)


@pytest.mark.django_db
def test_it_reports_the_cumulative_financial_collaboration_target_and_actual(plan2):
    lines = lines_of(report("2", "--format", "md", "--as-of", "2023-06-01"))

    heading = lines.index("#### a. 地域金融機関と連携した知財に係る中小企業支援件数")
    block = lines[heading : heading + 6]
    assert "【目標】250件(2020～2022年度累計)" in block
    assert "【実績】213件(85%)" in block


@pytest.mark.django_db
def test_it_reports_every_measure_kpi_b_to_e(plan2):
    lines = lines_of(report("2", "--format", "md", "--as-of", "2023-06-01"))

    for expected in (
        "【実績】2020年度 515件(129%)、2021年度 383件(96%)、2022年度 328件(82%)",
        "【実績】2020年度 6,853件(125%)、2021年度 6,823件(124%)、2022年度 6,035件(110%)",
        "【実績】2020年度 509件(170%)、2021年度 460件(153%)、2022年度 401件(134%)",
        "【実績】2020年度 10,571件(117%)、2021年度 12,374件(137%)、2022年度 15,022件(167%)",
    ):
        assert expected in lines


@pytest.mark.django_db
def test_it_reports_the_effect_indicators(plan2):
    output = report("2", "--format", "md", "--as-of", "2023-06-01")
    lines = lines_of(output)

    assert "【目標】150社(2020～2022年度累計)" in lines
    assert "【実績】251社(167.3%)" in lines
    assert "【目標】4,379件(2018年)→ 5,000件(2022年)" in lines
    assert "【実績】2020年 5,072件、2021年 5,115件、2022年 4,700件" in lines
    assert "達成率 94.0%、基準値からの進捗率 51.7%" in output
    assert "【実績】数値的な実績なし（定性的に評価）" in lines


@pytest.mark.django_db
def test_it_reports_the_regional_kpi_items_of_2022(plan2):
    lines = lines_of(report("2", "--format", "md", "--as-of", "2023-06-01"))

    assert "・2022年度の地域KPIの項目数（合計値） 114件" in lines
    assert "・2022年度の地域KPIの目標値を達成した項目数 90件（78.9%）" in lines


@pytest.mark.django_db
def test_it_contains_every_percentage_of_the_plans_section_on_the_2nd_plans_results(plan2):
    seed = seed_section_i_2_2()
    whole = re.findall(r"[(（](\d+)%[)）]", seed)
    decimal = re.findall(r"(\d+\.\d)%", seed)
    assert len(whole) == 16 and sorted(decimal) == ["167.3", "78.9"], "the seed section was not found as expected"

    output = report("2", "--format", "md", "--as-of", "2023-06-01")

    missing = [f"({p}%)" for p in whole if f"({p}%)" not in output]
    missing += [f"{p}%" for p in decimal if f"{p}%" not in output]
    assert missing == []


@pytest.mark.django_db
def test_it_reports_without_an_as_of_date(plan2):
    output = report("2", "--format", "md")

    assert output.startswith("# 第2次地域知財活性化行動計画 評価（2020～2022年度）")
    assert "【実績】213件(85%)" in output


@pytest.mark.django_db
def test_it_follows_a_changed_actual_after_the_plan_file_is_reloaded(plan2, tmp_path):
    text = PLAN2_FILE.read_text(encoding="utf-8")
    assert "actuals: {2020: 267, 2021: 256, 2022: 277}" in text
    copy = tmp_path / "plan2.yaml"
    copy.write_text(text.replace("{2020: 267,", "{2020: 300,"), encoding="utf-8")

    load_plan_file(copy)
    output = report("2", "--format", "md", "--as-of", "2023-06-01")

    assert "【実績】2020年度 300社(120%)、2021年度 256社(102%)、2022年度 277社(111%)" in lines_of(output)
    assert "267社" not in output


def _stored_numbers() -> list[Decimal]:
    """Every number entered or loaded (the figures table, derived from them by the writers, is left out:
    verify_figures proves it follows them)."""
    numbers: list[Decimal] = []
    for model in apps.get_app_config("kpis").get_models():
        if model is KpiFigure:
            continue
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.DecimalField | models.FloatField)]
        if not fields:
            continue
        for values in model.objects.values_list(*fields):
            numbers += [Decimal(v) for v in values if v is not None]
    return numbers


@pytest.mark.django_db
def test_it_stores_no_achievement_rate_anywhere(plan2):
    report("2", "--format", "md", "--as-of", "2023-06-01")

    stored = _stored_numbers()
    assert Decimal(267) in stored and Decimal(250) in stored, "the scan reads the stored targets and actuals"
    for rate in ("107", "102", "111", "85", "129", "167.3", "78.9", "94.0", "51.7"):
        assert Decimal(rate) not in stored, f"{rate} is stored; rates must be computed"
    core_2020 = Actual.objects.get(kpi__plan=plan2, kpi__code="core-hands-on", start_year=2020)
    assert (core_2020.value, core_2020.numerator, core_2020.denominator) == (Decimal(267), None, None)
    assert Target.objects.get(kpi=core_2020.kpi, start_year=2020).value == Decimal(250)
    audit_text = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "'107'" not in audit_text and "167.3" not in audit_text


@pytest.mark.django_db
def test_it_refuses_an_unknown_plan_number_in_japanese(plan2):
    with pytest.raises(CommandError, match="第9次の計画が見つかりません"):
        report("9", "--format", "md", "--as-of", "2023-06-01")


@pytest.mark.django_db
def test_it_counts_regional_kpis_entered_by_prefectures_per_year(plan3, make_kpi):
    for actual in (12, 10, 9):
        make_kpi(plan=plan3, owner="pref-13", targets={2023: 10}, actuals={2023: actual})

    during = plan_report_markdown(plan3, today=datetime.date(2024, 3, 31))
    after = plan_report_markdown(plan3, today=datetime.date(2024, 4, 1))

    assert "・2023年度の地域KPIの項目数（合計値） 3件" in lines_of(after)
    assert "・2023年度の地域KPIの目標値を達成した項目数 2件（66.7%）" in lines_of(after)
    assert "・2023年度の地域KPIの目標値を達成した項目数 0件（0.0%）" in lines_of(during)


@pytest.mark.django_db
def test_it_states_the_3rd_plans_targets_in_its_wording(plan3):
    lines = lines_of(plan_report_markdown(plan3, today=datetime.date(2023, 6, 1)))

    assert "【目標】60件/年度" in lines
    assert "【目標】2023年度：5件、2024年度：10件、2025年度：15件" in lines
    assert "【目標】2023年度：105,000件以上" in lines
    assert "【目標】60%以上/年度" in lines
