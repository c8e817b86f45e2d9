"""KPIs counted from hands-on support cases: the rules, the computed actuals, their audit, lock and drill-through."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.cases import counting
from chizai.cases.models import Origin, Stage
from chizai.cases.tests import fixtures_counting as fx
from chizai.cases.tests.fixtures_counting import (
    ATTACHED,
    CORE,
    EARLY_FY2024,
    EFFECT,
    PLAN3_FILE,
    TODAY,
    accept_year_end,
    plan3_kpi,
)
from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi
from chizai.kpis.planfile import PlanFileError, load_plan_file

counting_plan = fx.counting_plan
make_case = fx.make_case

pytestmark = pytest.mark.django_db

FOLLOWED_UP_2023 = datetime.date(2024, 3, 31)  # the last day of FY2023
FOLLOWED_UP_2024 = datetime.date(2024, 4, 1)  # the first day of FY2024


def full_year(plan, code: str, year: int) -> Actual | None:
    return Actual.objects.filter(
        kpi__plan=plan, kpi__code=code, start_year=year, end_year=year, half=HalfChoice.FULL
    ).first()


def values(plan, code: str) -> dict[int, Decimal | None]:
    return {a.start_year: a.figure for a in Actual.objects.filter(kpi__plan=plan, kpi__code=code)}


def share_case(make_case, day: datetime.date | None, ip: bool | None, acted: bool | None, **fields):
    return make_case(
        2023,
        stage=fields.pop("stage", Stage.FOLLOW_UP),
        followed_up_on=day,
        outcome_ip_in_strategy=ip,
        outcome_acted_on=acted,
        **fields,
    )


# The rules


def test_it_counts_every_case_started_in_the_fiscal_year_whatever_its_stage(counting_plan, make_case):
    for stage in (Stage.REFERRAL, Stage.EXPERT_SUPPORT, Stage.FOLLOW_UP, Stage.CLOSED):
        make_case(2023, stage=stage)
    make_case(2024)
    make_case(2023, is_demo=True)
    rule = counting.RULES["cases_started"]

    assert rule.cases(plan3_kpi(counting_plan, CORE), 2023).count() == 5, "closed and demo cases count too"
    assert rule.figure(plan3_kpi(counting_plan, CORE), 2024) == counting.ComputedFigure(1, value=Decimal(1))


def test_it_counts_only_regionally_discovered_cases_for_the_attached_kpi(counting_plan, make_case):
    regional = make_case(2023, origin=Origin.REGIONAL, referred_by="pref-27")
    make_case(2023, origin=Origin.REGIONAL, stage=Stage.CLOSED)
    make_case(2023, origin=Origin.PUSH)
    make_case(2024, origin=Origin.REGIONAL)

    cases = counting.RULES["cases_started_regional"].cases(plan3_kpi(counting_plan, ATTACHED), 2023)

    assert cases.count() == 2
    assert regional in cases


def test_it_takes_the_share_acted_on_among_the_cases_followed_up_in_the_fiscal_year(counting_plan, make_case):
    both = share_case(make_case, FOLLOWED_UP_2023, True, True)
    share_case(make_case, datetime.date(2023, 4, 1), True, False)  # in strategy, not acted on
    share_case(make_case, FOLLOWED_UP_2023, None, None)  # outcomes not recorded yet: denominator only
    closed = share_case(
        make_case, None, True, True, stage=Stage.CLOSED, closed_on=datetime.date(2024, 2, 1)
    )  # closed in FY2023 with outcomes, no follow-up date
    share_case(make_case, None, None, None, stage=Stage.CLOSED, closed_on=datetime.date(2024, 2, 1))
    share_case(make_case, FOLLOWED_UP_2024, True, True)  # followed up in FY2024
    share_case(make_case, None, True, True, stage=Stage.ACTIONS)  # not followed up at all
    kpi = plan3_kpi(counting_plan, EFFECT)
    rule = counting.RULES["followed_up_ip_strategy_acted_share"]

    figure = rule.figure(kpi, 2023)

    assert (figure.numerator, figure.denominator) == (Decimal(2), Decimal(4))
    assert set(rule.cases(kpi, 2023)) == {both, closed}
    assert rule.figure(kpi, 2024) == counting.ComputedFigure(1, numerator=Decimal(1), denominator=Decimal(1))
    assert rule.figure(kpi, 2025) is None, "no case followed up: no share at all, not 0%"


# Recomputing a plan


def test_it_writes_computed_actuals_with_their_source_and_an_audit_entry(counting_plan, make_case, jpo_admin):
    for origin in (Origin.PUSH, Origin.PUSH, Origin.REGIONAL):
        make_case(2023, origin=origin)
    share_case(make_case, FOLLOWED_UP_2023, True, True)
    share_case(make_case, FOLLOWED_UP_2023, True, False)

    counting.recompute_plan(counting_plan, actor=jpo_admin, today=TODAY)

    core = full_year(counting_plan, CORE, 2023)
    assert (core.value, core.source, core.source_note) == (
        Decimal(5),
        ActualSource.COMPUTED,
        "ハンズオン支援案件 5件から集計",
    )
    assert full_year(counting_plan, ATTACHED, 2023).value == Decimal(1)
    effect = full_year(counting_plan, EFFECT, 2023)
    assert (effect.numerator, effect.denominator, effect.figure) == (Decimal(1), Decimal(2), Decimal(50))
    entry = AuditEntry.objects.get(action="kpi.actual.created", object_id=str(core.pk))
    assert (entry.actor, entry.kpi_id, entry.plan_id) == (jpo_admin, core.kpi_id, counting_plan.pk)


def test_it_writes_nothing_new_when_nothing_changed(counting_plan, make_case, jpo_admin):
    make_case(2023, origin=Origin.REGIONAL)
    share_case(make_case, FOLLOWED_UP_2023, True, True)
    counting.recompute_plan(counting_plan, actor=jpo_admin, today=TODAY)
    audit_rows, versions = AuditEntry.objects.count(), list(Actual.objects.values_list("pk", "version"))

    summary = counting.recompute_plan(counting_plan, actor=jpo_admin, today=TODAY)

    assert AuditEntry.objects.count() == audit_rows
    assert list(Actual.objects.values_list("pk", "version")) == versions
    assert summary.count(counting.Outcome.WRITTEN) == 0
    assert summary.count(counting.Outcome.UNCHANGED) == 7  # core and attached for 3 years, the 2023 share


def test_it_writes_zero_for_a_begun_year_without_cases_and_nothing_for_a_year_to_come(counting_plan, make_case):
    make_case(2023)
    make_case(2025)  # registered ahead for next year

    counting.recompute_plan(counting_plan, actor=None, today=EARLY_FY2024)

    assert values(counting_plan, CORE) == {2023: Decimal(1), 2024: Decimal(0)}
    assert values(counting_plan, ATTACHED) == {2023: Decimal(0), 2024: Decimal(0)}
    assert values(counting_plan, EFFECT) == {}, "a share of no case at all is not 0%"
    assert counting.recompute_kpi(plan3_kpi(counting_plan, CORE), 2025, actor=None, today=EARLY_FY2024) is None
    assert full_year(counting_plan, CORE, 2025) is None


def test_it_keeps_the_attached_kpi_within_the_core_indicator_when_counts_go_down(counting_plan, make_case):
    first = make_case(2023, origin=Origin.REGIONAL)
    make_case(2023, origin=Origin.REGIONAL)
    counting.recompute_plan(counting_plan, actor=None, today=TODAY)
    assert (full_year(counting_plan, CORE, 2023).value, full_year(counting_plan, ATTACHED, 2023).value) == (2, 2)

    first.fiscal_year = 2024
    first.save()
    counting.recompute_for_case(first, actor=None, today=TODAY)

    assert values(counting_plan, CORE) == {2023: 1, 2024: 1, 2025: 0}
    assert values(counting_plan, ATTACHED) == {2023: 1, 2024: 1, 2025: 0}


def test_it_refuses_an_attached_figure_above_the_core_indicator(counting_plan, make_case):
    make_case(2023, origin=Origin.REGIONAL)
    make_case(2023, origin=Origin.REGIONAL)
    counting.recompute_kpi(plan3_kpi(counting_plan, CORE), 2023, actor=None, today=TODAY)
    Actual.objects.filter(kpi__code=CORE).update(value=1, source=ActualSource.ENTERED)  # typed in by hand

    with pytest.raises(ValidationError, match="内数"):
        counting.recompute_kpi(plan3_kpi(counting_plan, ATTACHED), 2023, actor=None, today=TODAY)

    assert full_year(counting_plan, ATTACHED, 2023) is None


def test_it_keeps_the_accepted_value_of_a_locked_year(counting_plan, make_case, jpo_admin):
    make_case(2023)
    counting.recompute_plan(counting_plan, actor=jpo_admin, today=TODAY)
    accept_year_end(counting_plan, "jpo", 2023)
    make_case(2023)
    audit_rows = AuditEntry.objects.count()

    kept = counting.recompute_kpi(plan3_kpi(counting_plan, CORE), 2023, actor=jpo_admin, today=TODAY)
    counting.recompute_plan(counting_plan, actor=jpo_admin, today=TODAY)

    assert kept is not None and kept.value == Decimal(1)
    assert full_year(counting_plan, CORE, 2023).value == Decimal(1)
    assert AuditEntry.objects.count() == audit_rows


def test_it_recomputes_a_ratio_for_the_follow_up_year_and_takes_back_a_share_without_cases(counting_plan, make_case):
    case = share_case(make_case, FOLLOWED_UP_2024, True, True)
    counting.recompute_for_case(case, actor=None, today=TODAY)
    assert full_year(counting_plan, EFFECT, 2024).figure == Decimal(100)

    case.followed_up_on = None
    case.save()
    counting.recompute_for_case(case, actor=None, today=TODAY)

    assert full_year(counting_plan, EFFECT, 2024) is None
    assert AuditEntry.objects.filter(action="kpi.actual.deleted", kpi_id=plan3_kpi(counting_plan, EFFECT).pk).exists()


def test_it_overwrites_a_typed_in_figure_of_a_counted_kpi(counting_plan, make_case):
    core = plan3_kpi(counting_plan, CORE)
    Actual.objects.create(kpi=core, start_year=2023, end_year=2023, value=Decimal(40), source=ActualSource.ENTERED)
    case = make_case(2023)

    counting.recompute_for_case(case, actor=None, today=TODAY)

    assert (full_year(counting_plan, CORE, 2023).value, full_year(counting_plan, CORE, 2023).source) == (
        Decimal(1),
        ActualSource.COMPUTED,
    )


# Drill-through


def test_it_lists_the_cases_behind_a_count(counting_plan, make_case, tokyo_viewer):
    cases = [make_case(2023, origin=Origin.REGIONAL), make_case(2023, origin=Origin.REGIONAL), make_case(2023)]

    behind = counting.cases_behind(plan3_kpi(counting_plan, ATTACHED), 2023, tokyo_viewer)

    assert {c.pk for c in behind} == {cases[0].pk, cases[1].pk}
    assert all(c.counted for c in behind)


def test_it_lists_the_denominator_of_a_share_with_the_counted_cases_first(counting_plan, make_case, jpo_admin):
    not_acted = share_case(make_case, FOLLOWED_UP_2023, True, False)
    unknown = share_case(make_case, FOLLOWED_UP_2023, None, None)
    acted = share_case(make_case, FOLLOWED_UP_2023, True, True)

    behind = list(counting.cases_behind(plan3_kpi(counting_plan, EFFECT), 2023, jpo_admin))

    assert behind[0] == acted and behind[0].counted is True
    assert {(c.pk, c.counted) for c in behind[1:]} == {(not_acted.pk, False), (unknown.pk, False)}


def test_it_lists_nothing_for_an_anonymous_user_or_a_kpi_without_a_rule(counting_plan, make_case, jpo_admin):
    make_case(2023)

    assert not counting.cases_behind(plan3_kpi(counting_plan, CORE), 2023, AnonymousUser()).exists()
    uncounted = plan3_kpi(counting_plan, "agency-window-consultations")
    assert not counting.cases_behind(uncounted, 2023, jpo_admin).exists()


def test_it_links_computed_figures_to_the_cases_behind_them(counting_plan, make_case, client, login, jpo_viewer):
    make_case(2023)
    counting.recompute_plan(counting_plan, actor=None, today=TODAY)
    core = plan3_kpi(counting_plan, CORE)

    page = login(client, jpo_viewer).get(reverse("kpis:kpi_detail", args=[core.pk])).content.decode()

    assert "ハンズオン支援案件から自動集計" in page
    assert reverse("cases:kpi_drill", args=[core.pk, 2023]) in page


# The plan file and the command


def plan_file(tmp_path: Path, old: str, new: str) -> Path:
    text = PLAN3_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "plan3.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_it_loads_the_counting_rules_of_the_3rd_plan_idempotently(counting_plan):
    rules = dict(Kpi.objects.filter(plan=counting_plan).exclude(counting_rule="").values_list("code", "counting_rule"))
    audit_rows = AuditEntry.objects.count()

    summary = load_plan_file(PLAN3_FILE)
    out = StringIO()
    call_command("load_plan", str(PLAN3_FILE), stdout=out)

    assert "（変更なし）" in out.getvalue()
    assert rules == {
        CORE: "cases_started",
        ATTACHED: "cases_started_regional",
        EFFECT: "followed_up_ip_strategy_acted_share",
    }
    assert not summary.changed and AuditEntry.objects.count() == audit_rows


def test_it_audits_a_counting_rule_added_to_a_loaded_plan(tmp_path):
    load_plan_file(plan_file(tmp_path, "    counting_rule: cases_started\n", ""))

    summary = load_plan_file(PLAN3_FILE)

    assert summary.updated == 1
    entry = AuditEntry.objects.get(action="kpi.updated")
    assert entry.changes == {"counting_rule": ["", "cases_started"]}


def test_it_refuses_an_unknown_counting_rule_in_japanese(tmp_path):
    path = plan_file(tmp_path, "counting_rule: cases_started\n", "counting_rule: cases_closed\n")

    with pytest.raises(PlanFileError) as error:
        load_plan_file(path)

    assert error.value.messages == [
        "kpis[1]（core-model-case-support）: 集計ルール（counting_rule）「cases_closed」はありません"
        "（使えるもの: cases_started、cases_started_regional、followed_up_ip_strategy_acted_share、"
        "survey_ip_strategy_acted_share、survey_business_growth、survey_ip_used、survey_growth_and_ip_used）。"
    ]


def test_it_refuses_a_share_rule_on_a_count(tmp_path):
    path = plan_file(tmp_path, "counting_rule: cases_started\n", "counting_rule: followed_up_ip_strategy_acted_share\n")

    with pytest.raises(PlanFileError, match="割合（ratio）の指標にだけ使えます"):
        load_plan_file(path)


def test_it_leaves_computed_actuals_alone_when_the_plan_file_is_reloaded(counting_plan, make_case, tmp_path):
    make_case(2023)
    counting.recompute_plan(counting_plan, actor=None, today=TODAY)
    with_actual = plan_file(
        tmp_path,
        "targets: {2023: 60, 2024: 60, 2025: 60}",
        "targets: {2023: 60, 2024: 60, 2025: 60}\n    actuals: {2023: 99, 2024: 98}",
    )

    load_plan_file(with_actual)
    load_plan_file(PLAN3_FILE)

    assert values(counting_plan, CORE) == {2023: 1, 2024: 0, 2025: 0}
    assert set(Actual.objects.filter(kpi__code=CORE).values_list("source", flat=True)) == {ActualSource.COMPUTED}


def test_it_prints_a_summary_from_the_command(counting_plan, make_case):
    make_case(2023, origin=Origin.REGIONAL)
    out = StringIO()

    call_command("recompute_kpis", "--plan", "3", "--today", TODAY.isoformat(), stdout=out)
    again = StringIO()
    call_command("recompute_kpis", "--today", TODAY.isoformat(), stdout=again)

    core_name = plan3_kpi(counting_plan, CORE).short_name
    assert out.getvalue().splitlines()[:3] == [
        "第3次地域知財活性化行動計画: 集計 9件（更新 6件、対象の案件なし 3件）",
        f"  2023年度 {core_name}: 1件（更新）",
        f"  2024年度 {core_name}: 0件（更新）",
    ]
    assert again.getvalue().splitlines() == [
        "第3次地域知財活性化行動計画: 集計 9件（変更なし 6件、対象の案件なし 3件）"
    ]


def test_it_recounts_after_a_case_change_in_the_same_few_queries_however_many_cases(
    counting_plan, make_case, django_assert_max_num_queries
):
    case = make_case(2023)
    counting.recompute_for_case(case, actor=None, today=TODAY)
    for _ in range(10):
        share_case(make_case, FOLLOWED_UP_2023, True, True, stage=Stage.CLOSED)
    counting.recompute_for_case(case, actor=None, today=TODAY)

    with django_assert_max_num_queries(14):  # plan, KPIs, stored actuals, then 3 counts for each of 3 years
        counting.recompute_for_case(case, actor=None, today=TODAY)
