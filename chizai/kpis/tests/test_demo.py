"""`chizai load_demo`: synthetic demo data (架空のデモデータ) for the 3rd plan."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from chizai.audit.models import AuditEntry
from chizai.kpis.achievement import result_for_year, year_figure
from chizai.kpis.demo import (
    ACTOR_LABEL,
    DEMO_DESCRIPTION,
    DISCLAIMER,
    SOURCE_NOTE,
    regional_items_met,
    regional_kpis,
)
from chizai.kpis.models import (
    Actual,
    ActualSource,
    DemoDataset,
    Evaluation,
    HalfChoice,
    Kpi,
    KpiKind,
    Plan,
    Shape,
    Target,
)
from chizai.organizations.models import Membership
from chizai.testing import CAST, CAST_PASSWORD, demo_for_module

AFTER_PLAN = datetime.date(2026, 4, 1)


def run_load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def first_output(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Plan 3 and the demo, loaded once for the module; what load_demo printed."""
    with demo_for_module(django_db_blocker) as output:
        yield output


@pytest.fixture
def plan3(first_output: str, db: None) -> Plan:
    return Plan.objects.get(number=3)


def demo_kpis(plan: Plan) -> Any:
    return Kpi.objects.filter(plan=plan, code__startswith="demo-").select_related("owner", "owner__bureau")


def counts() -> dict[str, Any]:
    User = get_user_model()
    return {
        "kpis": Kpi.objects.count(),
        "targets": Target.objects.count(),
        "actuals": list(Actual.objects.values_list("pk", "version", "value", "numerator", "denominator")),
        "evaluations": list(Evaluation.objects.values_list("pk", "version", "text")),
        "kpi_versions": list(Kpi.objects.values_list("pk", "version")),
        "audit": AuditEntry.objects.count(),
        "datasets": DemoDataset.objects.count(),
        "users": list(User.objects.values_list("username", "password", "is_staff", "is_superuser")),
        "memberships": list(Membership.objects.values_list("user__username", "organization__code", "role")),
    }


def test_it_creates_regional_kpis_for_prefectures_in_every_block(plan3: Plan) -> None:
    kpis = list(demo_kpis(plan3))
    prefectures = {k.owner.code for k in kpis}
    blocks = {k.owner.bureau.code for k in kpis}
    assert len(prefectures) >= 10
    assert len(blocks) >= 8
    assert {"pref-01", "pref-13", "pref-14", "pref-27", "pref-47"} <= prefectures
    for code in prefectures:
        assert 2 <= sum(1 for k in kpis if k.owner.code == code) <= 3
    for kpi in kpis:
        assert kpi.kind == KpiKind.REGIONAL
        assert kpi.shape in (Shape.PER_PERIOD, Shape.STOCK, Shape.RATIO)
        assert kpi.code == f"demo-r{kpi.owner.jis_code}-{kpi.code.rsplit('-', 1)[1]}"
        assert kpi.description.startswith("【デモ】")
        assert kpi.owner.name in kpi.description and "産業振興ビジョン" in kpi.description
        assert sorted(t.start_year for t in kpi.targets.all()) == [2023, 2024, 2025]
    assert Kpi.objects.get(plan=plan3, code="demo-r13-1").owner.code == "pref-13"
    assert DemoDataset.objects.get().description == DEMO_DESCRIPTION


def test_it_marks_every_demo_actual_as_demo(plan3: Plan) -> None:
    regional = Actual.objects.filter(kpi__plan=plan3, kpi__code__startswith="demo-")
    assert regional.count() > 100
    assert set(regional.values_list("source", flat=True)) == {ActualSource.DEMO}
    central = Actual.objects.filter(kpi__plan=plan3).exclude(kpi__code__startswith="demo-")
    typed = central.filter(kpi__counting_rule="")
    assert typed.filter(kpi__code="agency-window-consultations").exists()
    assert set(typed.values_list("source", "source_note")) == {(ActualSource.DEMO, SOURCE_NOTE)}
    # The KPIs with a counting rule are computed from the (demo) support cases, never typed in.
    counted = central.exclude(kpi__counting_rule="")
    assert counted.filter(kpi__code="core-model-case-support").exists()
    assert set(counted.values_list("source", flat=True)) == {ActualSource.COMPUTED, ActualSource.SURVEY}
    surveyed = counted.filter(source=ActualSource.SURVEY)
    notes = list(surveyed.values_list("source_note", flat=True))
    assert notes and all(note.startswith("回答率 ") for note in notes)
    texts = list(Evaluation.objects.filter(kpi__plan=plan3).values_list("text", flat=True))
    assert texts and all(text.startswith("【デモ】") for text in texts)
    entries = AuditEntry.objects.filter(plan_id=plan3.pk, actor_label=ACTOR_LABEL)
    assert entries.filter(action="kpi.created").count() == demo_kpis(plan3).count()
    demo_actuals = Actual.objects.filter(kpi__plan=plan3, source=ActualSource.DEMO).count()
    assert entries.filter(action="kpi.actual.created").count() == demo_actuals
    assert not entries.exclude(actor=None).exists()


def test_it_gives_years_and_halves_with_a_tokyo_first_half_only(plan3: Plan) -> None:
    for kpi in demo_kpis(plan3).prefetch_related("actuals"):
        halves = {(a.start_year, a.half) for a in kpi.actuals.all()}
        assert {(2023, HalfChoice.FULL), (2024, HalfChoice.FULL), (2025, HalfChoice.FIRST)} <= halves
        assert ((2025, HalfChoice.SECOND) in halves) == (kpi.code != "demo-r13-1")
    tokyo = Kpi.objects.with_values().get(plan=plan3, code="demo-r13-1")
    result = result_for_year(tokyo, 2025, AFTER_PLAN)
    assert result is not None and not result.complete
    assert result.first_half is not None and result.forecast is not None


def test_it_meets_roughly_four_in_five_regional_items_each_year(plan3: Plan) -> None:
    for year, met in regional_items_met(plan3).items():
        assert met.total == demo_kpis(plan3).count(), year
        assert met.rate is not None and Decimal(75) <= met.rate <= Decimal(85), (year, met)


def test_it_keeps_the_attached_kpi_within_the_core_every_year(plan3: Plan) -> None:
    core = Kpi.objects.with_values().get(plan=plan3, code="core-model-case-support")
    attached = Kpi.objects.with_values().get(plan=plan3, code="core-regional-discovery")
    for year in plan3.fiscal_years:
        core_figure, attached_figure = year_figure(core, year), year_figure(attached, year)
        assert core_figure.value is not None and attached_figure.value is not None, year
        assert attached_figure.value <= core_figure.value, year
        for half in ("first_half", "second_half"):
            if getattr(attached_figure, half) is not None:
                assert getattr(attached_figure, half) <= getattr(core_figure, half), (year, half)
    assert year_figure(core, 2023).value == 63


def test_it_changes_nothing_when_run_twice(plan3: Plan) -> None:
    before = counts()

    output = run_load_demo()

    assert counts() == before
    assert "追加 0件、更新 0件（変更なし）" in output


def test_it_never_overwrites_a_figure_entered_by_a_user(plan3: Plan) -> None:
    kpi = Kpi.objects.get(plan=plan3, code="demo-r27-1")
    Actual.objects.filter(kpi=kpi, start_year=2024, half=HalfChoice.FULL).update(
        value=Decimal(999), source=ActualSource.ENTERED
    )

    output = run_load_demo()

    actual = Actual.objects.get(kpi=kpi, start_year=2024, half=HalfChoice.FULL)
    assert (actual.value, actual.source) == (Decimal(999), ActualSource.ENTERED)
    assert "変更しなかった実績 1件" in output


def test_it_prints_the_cast_the_password_and_the_disclaimer(first_output: str, db: None) -> None:
    output = first_output

    assert "ユーザー名" in output and "所属" in output and "役割" in output
    for member in CAST:
        assert member.username in output
    assert CAST_PASSWORD in output
    assert DISCLAIMER in output
    assert "東京都知財総合支援窓口" in output and "編集者" in output


def test_it_lets_the_cast_log_in_and_jpo_admin_use_the_admin(plan3: Plan, client: Any) -> None:
    User = get_user_model()
    assert set(User.objects.filter(username__in=[m.username for m in CAST]).values_list("username", flat=True)) == {
        m.username for m in CAST
    }
    admin = User.objects.get(username="jpo_admin")
    assert admin.is_staff and admin.is_superuser
    for username in ("tokyo_editor", "osaka_editor"):
        assert client.login(username=username, password=CAST_PASSWORD), username
        client.logout()
    assert client.login(username="jpo_admin", password=CAST_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_it_generates_the_same_figures_every_time() -> None:
    first, second = regional_kpis(), regional_kpis()

    assert [(k.code, k.actuals, k.met) for k in first] == [(k.code, k.actuals, k.met) for k in second]
    for kpi in first:
        if kpi.spec.shape == Shape.STOCK:
            levels = [f.value for f in kpi.actuals]
            assert levels == sorted(levels), kpi.code
        for figure in kpi.actuals:
            if figure.numerator is not None:
                assert figure.denominator is not None and 0 <= figure.numerator <= figure.denominator


def test_it_recreates_a_missing_cast_user(plan3: Plan) -> None:
    get_user_model().objects.filter(username="tokyo_viewer").delete()

    output = run_load_demo()

    user = get_user_model().objects.get(username="tokyo_viewer")
    assert user.has_usable_password()
    assert Membership.objects.filter(user=user, organization__code="pref-13", role="viewer").exists()
    assert "新規作成: tokyo_viewer" in output
