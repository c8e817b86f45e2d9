"""The national data set of the scale benchmark, built through chizai's own write functions.

    python benchmarks/national.py --scale 1|10 [--database URL]

1× is 3 regional KPIs a prefecture and 5,000 hands-on support cases; 10× is 32 KPIs a prefecture and 50,000 cases.
Both hold 10 fiscal years (FY2023–FY2032) of targets and half-year actuals, a self-evaluation of every
prefecture for every half year up to today (each submitted, reviewed by its bureau and accepted by JPO, a few
left returned or waiting), the shipped plans, the reference organisations and the demo cast. Every row goes through
the write functions the pages use (`kpis.actions`, `pdca.actions`, `cases.actions`), so the audit log, locks and
any figures those functions keep are built exactly as in production.

The database is SQLite under var/bench/ by default (`var/bench/scale-10.sqlite3`) or the one named by
`--database` / BENCH_DATABASE_URL. A built data set is reused: the build is skipped when the bench plan exists.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PLAN = 90
FIRST_YEAR, YEARS = 2023, 10
TODAY = datetime.date(2026, 12, 2)  # fixed, so the data set is the same whatever day it is built


@dataclass(frozen=True)
class Scale:
    factor: int
    kpis_per_prefecture: int
    cases: int


TEXTS = {
    "activities": "ベンチマーク用の記述（架空）",
    "issues": "課題（架空）",
    "improvements": "改善策（架空）",
    "previous_followup": "前回の改善策に対応しました（架空）",
}
SCALES = {1: Scale(1, 3, 5_000), 10: Scale(10, 32, 50_000)}


def default_database(scale: int) -> str:
    return f"sqlite:///{ROOT / 'var' / 'bench' / f'scale-{scale}.sqlite3'}"


def setup_django(database_url: str) -> None:
    """Point chizai at the bench database and start Django (a local run: DEBUG on, the development key)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chizai.settings")
    os.environ.setdefault("DEBUG", "1")
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


def build(scale: Scale) -> None:
    from django.core.management import call_command

    from chizai.kpis.models import Plan

    call_command("migrate", verbosity=0)
    if Plan.objects.filter(number=BENCH_PLAN).exists():
        print(f"bench-data: the {scale.factor}× data set is already built; reusing it")
        return
    started = time.perf_counter()
    call_command("setup_reference", verbosity=0, stdout=open(os.devnull, "w"))
    call_command("load_plan", *sorted(str(p) for p in (ROOT / "plans").glob("*.yaml")), verbosity=0)
    from chizai.organizations.demo_users import create_cast

    create_cast()
    steps = [("KPIs, targets and actuals", _kpis), ("self-evaluations", _evaluations), ("cases", _cases)]
    for label, step in steps:
        began = time.perf_counter()
        summary = step(scale)
        print(f"bench-data: {label}: {summary} in {time.perf_counter() - began:.0f} s")
    print(f"bench-data: {scale.factor}× built in {time.perf_counter() - started:.0f} s")


def _kpis(scale: Scale) -> str:
    from chizai.kpis import actions
    from chizai.kpis.models import KpiKind
    from chizai.organizations.models import Organization

    plan, _ = actions.save_plan(
        number=BENCH_PLAN,
        values={
            "name": "ベンチマーク用計画（架空）",
            "first_fiscal_year": FIRST_YEAR,
            "last_fiscal_year": FIRST_YEAR + YEARS - 1,
        },
        actor=None,
        actor_label="ベンチマーク",
    )
    targets, actuals, kpis = [], [], 0
    for prefecture in Organization.objects.prefectures():
        for n in range(scale.kpis_per_prefecture):
            kpi, _ = actions.save_kpi(
                plan=plan,
                code=f"bench-{prefecture.jis_code}-{n:02d}",
                values={
                    "kind": KpiKind.REGIONAL,
                    "name": f"{prefecture.name} 地域KPI {n + 1}（架空）",
                    "owner": prefecture,
                    "unit": "件",
                    "sort_order": n,
                },
                actor=None,
                actor_label="ベンチマーク",
            )
            kpis += 1
            for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                targets.append(actions.TargetValue(kpi, year, year, Decimal(100 + n * 10)))
                if year > TODAY.year - (1 if TODAY.month < 4 else 0):
                    continue  # no actual of a year that has not begun
                for half, value in (("H1", 40 + (year + n) % 30), ("H2", 50 + (year * 7 + n) % 40)):
                    actuals.append(actions.ActualValue(kpi, year, year, half, Decimal(value)))
    actions.save_targets(rows=targets, actor=None, actor_label="ベンチマーク")
    actions.save_actuals(rows=actuals, actor=None, actor_label="ベンチマーク")
    return f"{kpis:,} KPIs, {len(targets):,} targets, {len(actuals):,} actuals"


def _evaluations(scale: Scale) -> str:
    """Every prefecture's self-evaluation for every half year that has ended: most accepted, a few not."""
    from chizai.kpis.models import Plan
    from chizai.organizations.models import Organization
    from chizai.pdca import actions
    from chizai.pdca.demo import Actors, PdcaDemoSummary

    plan = Plan.objects.get(number=BENCH_PLAN)
    actors = Actors(PdcaDemoSummary())
    periods = [p for p in actions.ensure_periods(plan) if _period_end(p.fiscal_year, p.half) < TODAY]
    count = 0
    for index, period in enumerate(periods):
        for number, prefecture in enumerate(Organization.objects.prefectures().select_related("bureau")):
            editor, reviewer = actors.editor(prefecture), actors.reviewer(prefecture.bureau)
            evaluation = actions.start_evaluation(period=period, organization=prefecture, actor=editor)
            evaluation = actions.save_evaluation(
                evaluation=evaluation,
                texts=TEXTS,
                ratings={},
                expected_version=evaluation.version,
                actor=editor,
            )
            evaluation = actions.submit_evaluation(evaluation=evaluation, actor=editor, today=TODAY)
            if (index + number) % 11 == 0:
                actions.return_evaluation(evaluation=evaluation, actor=reviewer, comment="差し戻します（架空）")
            elif index < len(periods) - 1:
                evaluation = actions.review_evaluation(evaluation=evaluation, actor=reviewer, comment="確認しました")
                actions.accept_evaluation(evaluation=evaluation, actor=actors.jpo(), comment="受理します")
            count += 1
    return f"{count:,} self-evaluations over {len(periods)} half years"


def _cases(scale: Scale) -> str:
    """Companies and whole cases spread over the prefectures and FY2023–FY2026, in every stage."""
    from django.core.management import call_command

    from chizai.cases import actions
    from chizai.cases.demo import corporate_number
    from chizai.cases.models import (
        CaseIssue,
        Company,
        IssueCategory,
        Origin,
        SmeCategory,
        Stage,
        StageChange,
        SupportCase,
    )
    from chizai.kpis.models import Plan
    from chizai.organizations.models import Organization

    rng = random.Random(20261202)
    plan = Plan.objects.get(number=3)
    prefectures = list(Organization.objects.prefectures())
    jpo = Organization.objects.get(code="jpo")
    stages = [s for s in Stage.values]
    categories = list(IssueCategory.values)
    batch = 5_000
    for start in range(0, scale.cases, batch):
        drafts = []
        for i in range(start, min(start + batch, scale.cases)):
            prefecture = prefectures[i % len(prefectures)]
            origin = Origin.REGIONAL if i % 3 else Origin.PUSH
            company = Company(
                corporate_number=corporate_number(900_000 + i),
                name=f"ベンチ{prefecture.name}工業{i}（架空）",
                prefecture=prefecture,
                industry="製造業",
                sme_category=SmeCategory.MANUFACTURING,
                employees=10 + i % 200,
                capital=Decimal(10_000_000),
                registered_by=prefecture if origin == Origin.REGIONAL else jpo,
                is_demo=True,
            )
            drafts.append((company, origin, prefecture))
        companies = actions.load_companies(
            companies=[(company, ()) for company, _o, _p in drafts], actor_label="ベンチマーク", plan_id=plan.pk
        )
        loaded = []
        for (_draft, origin, prefecture), stored in zip(drafts, companies, strict=True):
            year = FIRST_YEAR + rng.randrange(4)
            opened = datetime.date(year, 4, 1) + datetime.timedelta(days=rng.randrange(300))
            reached = stages[: 1 + rng.randrange(len(stages))]
            moments = [opened + datetime.timedelta(days=20 * k) for k in range(len(reached))]
            moments = [min(m, TODAY) for m in moments]
            case = SupportCase(
                company=stored,
                fiscal_year=year,
                origin=origin,
                referred_by=prefecture if origin == Origin.REGIONAL else None,
                support_team=jpo,
                stage=reached[-1],
                stage_entered_at=_moment(moments[-1]),
                stage_due_date=actions.default_due_date(reached[-1], moments[-1]),
                opened_on=opened,
                closed_on=moments[-1] if reached[-1] == Stage.CLOSED else None,
                hearing_notes="ヒアリング記録（架空）",
                outcome_ip_in_strategy=len(reached) > 5 and rng.random() < 0.6,
                is_demo=True,
            )
            changes = [
                StageChange(
                    from_stage=reached[k - 1] if k else "",
                    to_stage=stage,
                    at=_moment(moments[k]),
                    due_date=actions.default_due_date(stage, moments[k]),
                )
                for k, stage in enumerate(reached)
            ]
            issues = [CaseIssue(category=rng.choice(categories), description="課題（架空）")]
            loaded.append(actions.LoadedCase(case, changes, issues, []))
        actions.load_cases(cases=loaded, actor_label="ベンチマーク", plan_id=plan.pk)
        print(f"bench-data:   {min(start + batch, scale.cases):,} cases", flush=True)
    call_command("recompute_kpis", "--plan", "3", verbosity=0, stdout=open(os.devnull, "w"))
    return f"{SupportCase.objects.count():,} cases of {Company.objects.count():,} companies"


def _period_end(fiscal_year: int, half: str) -> datetime.date:
    return datetime.date(fiscal_year, 9, 30) if half == "H1" else datetime.date(fiscal_year + 1, 3, 31)


def _moment(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, choices=sorted(SCALES), default=1)
    parser.add_argument("--database", default="")
    options = parser.parse_args()
    url = options.database or os.environ.get("BENCH_DATABASE_URL") or default_database(options.scale)
    setup_django(url)
    build(SCALES[options.scale])


if __name__ == "__main__":
    main()
