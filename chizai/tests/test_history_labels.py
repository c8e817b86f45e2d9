"""Defect 7: the change history a user sees is in Japanese labels, never the recorded code names and values."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from chizai.audit.log import log
from chizai.kpis.models import Actual, ActualSource, Kpi, KpiKind, Shape
from chizai.kpis.planfile import load_plan_file
from chizai.organizations.models import Organization

pytestmark = pytest.mark.django_db

PLAN3 = "plans/3rd_regional_ip_action_plan.yaml"
CODE_VALUES = ("higher", "regional", "True", "False", "pref-13", "per_period", "source_note", "entered", "kpi.")


def history_section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="history-heading" id="history">(.*?)</section>', html, re.S)
    assert match, "the KPI page has no change history"
    return match.group(1)


@pytest.fixture
def tokyo_kpi_with_history() -> Kpi:
    """東京都's regional KPI with the entries its writers record: the definition and an entered actual."""
    plan = load_plan_file(PLAN3).plan
    kpi = Kpi.objects.create(
        plan=plan,
        code="regional-13-history",
        kind=KpiKind.REGIONAL,
        name="東京都 知財経営支援を受けた中小企業数",
        owner=Organization.objects.get(code="pref-13"),
        unit="社",
        shape=Shape.PER_PERIOD,
    )
    log(None, "kpi.created", kpi, None, kpi.snapshot(), kpi_id=kpi.pk, plan_id=plan.pk)
    actual = Actual.objects.create(
        kpi=kpi, start_year=2025, end_year=2025, value=Decimal(7), source=ActualSource.ENTERED, source_note="報告書"
    )
    log(None, "kpi.actual.created", actual, None, actual.snapshot(), kpi_id=kpi.pk, plan_id=plan.pk)
    return kpi


def test_it_shows_the_kpi_history_in_japanese_labels_only(client: Any, tokyo_editor: Any, tokyo_kpi_with_history: Kpi):
    client.force_login(tokyo_editor)

    html = client.get(reverse("kpis:kpi_detail", args=[tokyo_kpi_with_history.pk])).content.decode()
    history = history_section(html)

    shown = [code for code in CODE_VALUES if code in history]
    assert not shown, f"the history shows code values: {shown}"
    for japanese in (
        "地域KPI",
        "期間ごとの目標",
        "東京都",
        "はい",
        "出所の補足",
        "画面入力",
        "実績の追加",
        "KPIの追加",
    ):
        assert japanese in history
