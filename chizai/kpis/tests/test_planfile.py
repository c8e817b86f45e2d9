"""Plan files: idempotent loads, all-or-nothing validation with Japanese messages, and what a reload removes."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chizai.audit.models import AuditEntry
from chizai.kpis import actions
from chizai.kpis.models import Actual, ActualSource, Kpi, Plan, Target
from chizai.kpis.planfile import PlanFileError, load_plan_file
from chizai.kpis.tests.conftest import PLAN2_FILE, PLAN3_FILE

CORE_ACTUALS = "actuals: {2020: 267, 2021: 256, 2022: 277}"


def counts() -> dict[str, int]:
    return {
        "plans": Plan.objects.count(),
        "kpis": Kpi.objects.count(),
        "targets": Target.objects.count(),
        "actuals": Actual.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited_plan2(tmp_path: Path, old: str, new: str) -> Path:
    text = PLAN2_FILE.read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, text.replace(old, new, 1), "plan2.yaml")


@pytest.mark.django_db
def test_it_loads_the_2nd_plan_with_its_targets_and_actuals():
    summary = load_plan_file(PLAN2_FILE)

    plan = summary.plan
    assert (plan.number, plan.name, plan.fiscal_years) == (2, "第2次地域知財活性化行動計画", [2020, 2021, 2022])
    assert Kpi.objects.filter(plan=plan).count() == 10
    core = Kpi.objects.get(plan=plan, code="core-hands-on")
    assert [(a.start_year, a.value, a.source) for a in core.actuals.order_by("start_year")] == [
        (2020, Decimal(267), ActualSource.PLAN),
        (2021, Decimal(256), ActualSource.PLAN),
        (2022, Decimal(277), ActualSource.PLAN),
    ]
    assert summary.created == AuditEntry.objects.filter(plan_id=plan.pk, action__endswith=".created").count()
    assert AuditEntry.objects.get(action="plan.created").plan_id == plan.pk, "the plan's history starts with it"


@pytest.mark.django_db
def test_it_links_the_attached_kpi_of_the_3rd_plan_to_the_core_indicator():
    plan = load_plan_file(PLAN3_FILE).plan

    attached = Kpi.objects.get(plan=plan, code="core-regional-discovery")

    assert attached.parent is not None and attached.parent.code == "core-model-case-support"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PLAN2_FILE, PLAN3_FILE], ids=["plan2", "plan3"])
def test_it_changes_nothing_when_the_same_file_is_loaded_twice(path):
    first = load_plan_file(path)
    assert first.changed
    before = counts()

    second = load_plan_file(path)

    assert (second.created, second.updated, second.deleted, second.changed) == (0, 0, 0, False)
    assert counts() == before, "a second load writes no row and no audit entry"


@pytest.mark.django_db
def test_it_says_so_when_the_command_loads_an_unchanged_file():
    call_command("load_plan", str(PLAN2_FILE), stdout=StringIO())
    out = StringIO()

    call_command("load_plan", str(PLAN2_FILE), stdout=out)

    assert out.getvalue().strip() == "第2次地域知財活性化行動計画: 追加 0件、更新 0件、削除 0件（変更なし）"


BROKEN = """
plan: {number: 8, name: 壊れた計画, first_fiscal_year: 2023, last_fiscal_year: 2025}
kpis:
  - {code: core, kind: core, owner: jpo, name: 基幹指標, unit: 件, targets: {2023: 60}, actuals: {2023: 10}}
  - {code: sub, kind: attached, owner: jpo, parent: core, name: 内数, unit: 件, targets: {2023: 5}, actuals: {2023: 11}}
  - {code: stranger, kind: measure, owner: no-such-body, name: 不明な主体, unit: 件}
  - {code: backwards, kind: measure, owner: jpo, name: 逆の期間, unit: 件, targets: {"2020-2019": 5}}
  - {code: stranger, kind: measure, owner: jpo, name: 重複, unit: 件}
"""


@pytest.mark.django_db
def test_it_lists_every_problem_of_a_broken_file_in_japanese(tmp_path):
    with pytest.raises(PlanFileError) as raised:
        load_plan_file(write(tmp_path, BROKEN))

    messages = "\n".join(raised.value.messages)
    assert "関係主体コード「no-such-body」が見つかりません。" in messages
    assert "期間「2020-2019」の終了年が開始年より前です。" in messages
    assert "KPIコード「stranger」が重複しています。" in messages
    assert "内数の元「core」の値（10）を超えています" in messages
    assert len(raised.value.messages) == 4


@pytest.mark.django_db
def test_it_writes_nothing_from_a_broken_file(tmp_path):
    load_plan_file(PLAN2_FILE)
    before = counts()
    broken = edited_plan2(tmp_path, CORE_ACTUALS, "actuals: {2020: 999, 2021: 256, 2022: 277}").read_text("utf-8")
    broken = broken.replace("owner: inpit", "owner: no-such-body", 1)

    with pytest.raises(PlanFileError):
        load_plan_file(write(tmp_path, broken))

    assert counts() == before
    assert not Actual.objects.filter(value=999).exists()


@pytest.mark.django_db
def test_it_refuses_a_broken_file_from_the_command_in_japanese(tmp_path):
    with pytest.raises(CommandError, match="何も書き込んでいません") as raised:
        call_command("load_plan", str(write(tmp_path, BROKEN)), stdout=StringIO())

    assert "関係主体コード「no-such-body」が見つかりません。" in str(raised.value)


@pytest.mark.django_db
def test_it_refuses_a_subset_written_before_its_parent(tmp_path):
    text = """
plan: {number: 8, name: 順序, first_fiscal_year: 2023, last_fiscal_year: 2025}
kpis:
  - {code: sub, kind: attached, owner: jpo, parent: core, name: 内数, unit: 件, targets: {2023: 5}}
  - {code: core, kind: core, owner: jpo, name: 基幹指標, unit: 件, targets: {2023: 60}}
"""
    with pytest.raises(PlanFileError) as raised:
        load_plan_file(write(tmp_path, text))

    assert raised.value.messages == ["KPI sub: 内数の元となるKPI「core」は、このKPIより前に書いてください。"]
    assert not Plan.objects.filter(number=8).exists()


@pytest.mark.django_db
def test_it_removes_an_actual_taken_out_of_the_file_and_audits_it(tmp_path):
    plan = load_plan_file(PLAN2_FILE).plan

    summary = load_plan_file(edited_plan2(tmp_path, CORE_ACTUALS, "actuals: {2020: 267, 2021: 256}"))

    assert (summary.created, summary.updated, summary.deleted) == (0, 0, 1)
    core = Kpi.objects.get(plan=plan, code="core-hands-on")
    assert list(core.actuals.values_list("start_year", flat=True)) == [2020, 2021]
    entry = AuditEntry.objects.get(action="kpi.actual.deleted")
    assert entry.kpi_id == core.pk
    assert entry.changes["value"] == ["277", None]
    assert entry.actor is None and entry.actor_label == "計画ファイル読込（plan2.yaml）"


@pytest.mark.django_db
def test_it_updates_a_changed_actual_and_audits_old_and_new(tmp_path):
    load_plan_file(PLAN2_FILE)

    summary = load_plan_file(edited_plan2(tmp_path, CORE_ACTUALS, "actuals: {2020: 300, 2021: 256, 2022: 277}"))

    assert (summary.created, summary.updated, summary.deleted) == (0, 1, 0)
    actual = Actual.objects.get(kpi__code="core-hands-on", start_year=2020)
    assert (actual.value, actual.version) == (Decimal(300), 2)
    assert AuditEntry.objects.get(action="kpi.actual.updated").changes == {"value": ["267", "300"]}


@pytest.mark.django_db
def test_it_keeps_an_actual_entered_in_the_system_when_the_file_is_reloaded(jpo_admin):
    plan = load_plan_file(PLAN3_FILE).plan
    core = Kpi.objects.get(plan=plan, code="core-model-case-support")
    actions.save_actual(
        kpi=core, start_year=2023, end_year=2023, value=Decimal(12), expected_version=0, actor=jpo_admin
    )

    summary = load_plan_file(PLAN3_FILE)

    assert summary.deleted == 0
    actual = Actual.objects.get(kpi=core, start_year=2023)
    assert (actual.value, actual.source) == (Decimal(12), ActualSource.ENTERED)
    assert not AuditEntry.objects.filter(action="kpi.actual.deleted").exists()
