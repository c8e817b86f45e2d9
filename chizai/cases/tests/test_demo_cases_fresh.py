"""`chizai load_demo` into states other than an empty database with plan 3 (test_demo_cases.py shares one load)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from chizai.audit.models import AuditEntry
from chizai.cases.demo import ACTOR_LABEL, demo_cases
from chizai.kpis.models import Actual, ActualSource, HalfChoice
from chizai.kpis.planfile import load_plan_file

PLAN3_FILE = Path(settings.PROJECT_DIR) / "plans" / "3rd_regional_ip_action_plan.yaml"


def test_it_replaces_typed_demo_figures_of_counted_kpis_left_by_an_older_load(db: None) -> None:
    plan = load_plan_file(PLAN3_FILE).plan
    core = plan.kpis.get(code="core-model-case-support")
    Actual.objects.create(kpi=core, start_year=2025, end_year=2025, half=HalfChoice.FIRST, value=27, source="demo")
    Actual.objects.create(kpi=core, start_year=2025, end_year=2025, half=HalfChoice.SECOND, value=35, source="demo")

    call_command("load_demo", stdout=StringIO())

    assert list(core.actuals.values_list("start_year", "half", "value", "source")) == [
        (year, HalfChoice.FULL, Decimal(value), ActualSource.COMPUTED)
        for year, value in ((2023, 63), (2024, 61), (2025, 62))
    ]
    assert AuditEntry.objects.filter(action="kpi.actual.deleted", kpi_id=core.pk, actor_label=ACTOR_LABEL).count() == 2


def test_it_prints_a_summary_line(db: None) -> None:
    load_plan_file(PLAN3_FILE)
    output = StringIO()

    call_command("load_demo", stdout=output)

    assert f"ハンズオン支援（デモ）: 企業 {len(demo_cases())}社、案件 {len(demo_cases())}件" in output.getvalue()
