"""Synthetic demo data (架空のデモデータ) for the 3rd plan: regional KPIs, actuals, evaluations and the cast.

Every figure here is invented. The values are fixed tables plus a seeded `random.Random(2023)`, never the
clock, so every load produces the same data. Loading is an upsert by natural keys (plan + KPI code,
KPI + period [+ half]) in one transaction: a second load changes nothing and writes no audit entry.
Actuals entered by users (any source other than DEMO) are never overwritten.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chizai.kpis.achievement import ItemsMet, items_met, result_for_year
from chizai.kpis.actions import (
    ActualValue,
    EvaluationText,
    TargetValue,
    WriteCounts,
    mark_demo_loaded,
    save_actuals,
    save_evaluations,
    save_kpi,
    save_targets,
)
from chizai.kpis.models import (
    Actual,
    ActualSource,
    Direction,
    Evaluation,
    HalfChoice,
    Kpi,
    KpiKind,
    PeriodBasis,
    Plan,
    Shape,
    Target,
)
from chizai.lib.fiscal import fiscal_year_end
from chizai.organizations.demo_users import CAST, CAST_PASSWORD, create_cast, make_superuser
from chizai.organizations.models import Membership, Organization, OrganizationKind

PLAN_NUMBER = 3
PLAN_FILE = "plans/3rd_regional_ip_action_plan.yaml"
YEARS = (2023, 2024, 2025)
SEED = 2023
ACTOR_LABEL = "デモデータ読込"
SOURCE_NOTE = "デモ（架空の値）"
DEMO_DESCRIPTION = "架空のデモデータ（第3次計画の地域KPI・実績）"
DISCLAIMER = "デモデータは架空のものです（実在の数値ではありません）。"
DEMO_CODE_PREFIX = "demo-"
SUPERUSER = "jpo_admin"

H1 = HalfChoice.FIRST.value
H2 = HalfChoice.SECOND.value
FY = HalfChoice.FULL.value

# The demo data of the apps built on the KPIs (cases, self-evaluations, meetings), registered by them in their
# AppConfig.ready(): name (the DemoSummary attribute it fills) -> (order, loader(plan, today)).
DemoLoader = Callable[[Plan, datetime.date], Any]
_demo_loaders: dict[str, tuple[int, DemoLoader]] = {}


def register_demo(name: str, loader: DemoLoader, *, order: int) -> None:
    """Load `loader`'s demo data after the KPIs' (lowest order first); its result goes to `DemoSummary.<name>`.

    The self-evaluations come after the cases: accepting one snapshots and locks the actuals written before.
    """
    _demo_loaders[name] = (order, loader)


# Share of regional KPI items met in each year (the plan reports e.g. 90/114 = 78.9% for FY2022).
MET_RATE = {2023: 0.80, 2024: 0.83, 2025: 0.78}


class DemoError(Exception):
    """The demo data cannot be loaded (a Japanese message says what to do first)."""


# ---------------------------------------------------------------------------------------------------------
# The fixed tables
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionalKpiSpec:
    name: str
    unit: str
    shape: str
    targets: tuple[int, int, int]  # FY2023, FY2024, FY2025


@dataclass(frozen=True)
class PrefectureSpec:
    jis: str
    vision: str
    kpis: tuple[RegionalKpiSpec, ...]


def _flow(name: str, unit: str, *targets: int) -> RegionalKpiSpec:
    return RegionalKpiSpec(name, unit, Shape.PER_PERIOD, (targets[0], targets[1], targets[2]))


def _stock(name: str, unit: str, *targets: int) -> RegionalKpiSpec:
    # Stock targets grow by ≥ 25 % a year, so that the generated levels never fall.
    return RegionalKpiSpec(name, unit, Shape.STOCK, (targets[0], targets[1], targets[2]))


def _ratio(name: str, *targets: int) -> RegionalKpiSpec:
    return RegionalKpiSpec(name, "%", Shape.RATIO, (targets[0], targets[1], targets[2]))


SEMINAR = "知財セミナー参加企業数"
VISITS = "知財総合支援窓口と連携した企業訪問件数"
NEW_PRODUCTS = "知財を活用した新商品開発件数"

PREFECTURES: tuple[PrefectureSpec, ...] = (
    PrefectureSpec(
        "01",
        "北海道 食と観光の産業振興ビジョン",
        (
            _flow(SEMINAR, "社", 80, 90, 100),
            _flow(VISITS, "件", 120, 130, 140),
            _flow("地域ブランド（地域団体商標等）を活用した新商品開発件数", "件", 6, 8, 10),
        ),
    ),
    PrefectureSpec(
        "04",
        "みやぎものづくりイノベーション推進ビジョン",
        (
            _flow(VISITS, "件", 90, 100, 110),
            _ratio("知財セミナー参加企業のうち、知財の取組を開始した企業の割合", 50, 55, 60),
        ),
    ),
    PrefectureSpec(
        "13",
        "東京都中小企業イノベーション振興ビジョン",
        (
            _flow(VISITS, "件", 300, 330, 360),
            _flow("都の知財活用補助金の採択件数", "件", 40, 45, 50),
            _flow("知財を活用した新商品・新サービス開発件数", "件", 25, 28, 30),
        ),
    ),
    PrefectureSpec(
        "14",
        "かながわ産業振興ビジョン",
        (
            _flow(SEMINAR, "社", 150, 165, 180),
            _flow(NEW_PRODUCTS, "件", 15, 18, 20),
            _stock("知財総合支援窓口の支援を受けた県内企業数（累計）", "社", 400, 500, 625),
        ),
    ),
    PrefectureSpec(
        "15",
        "新潟県ものづくり産業振興ビジョン",
        (
            _flow("県の知財活用補助金の採択件数", "件", 12, 14, 16),
            _flow(SEMINAR, "社", 60, 70, 80),
        ),
    ),
    PrefectureSpec(
        "23",
        "あいち産業イノベーションビジョン",
        (
            _flow(VISITS, "件", 200, 220, 240),
            _flow(NEW_PRODUCTS, "件", 20, 24, 28),
            _ratio("知財ハンズオン支援企業のうち、知財を経営戦略に位置づけた企業の割合", 55, 60, 65),
        ),
    ),
    PrefectureSpec(
        "26",
        "京都府ものづくり・伝統産業振興ビジョン",
        (
            _flow(SEMINAR, "社", 70, 80, 90),
            _flow("伝統産業事業者の商標出願支援件数", "件", 15, 18, 20),
        ),
    ),
    PrefectureSpec(
        "27",
        "大阪府成長産業振興ビジョン",
        (
            _flow(VISITS, "件", 250, 270, 290),
            _flow("府の知財活用補助金の採択件数", "件", 30, 35, 40),
            _flow(NEW_PRODUCTS, "件", 22, 25, 28),
        ),
    ),
    PrefectureSpec(
        "34",
        "ひろしま産業新成長ビジョン",
        (
            _flow(SEMINAR, "社", 65, 70, 75),
            _flow(NEW_PRODUCTS, "件", 8, 10, 12),
        ),
    ),
    PrefectureSpec(
        "37",
        "かがわ産業成長戦略ビジョン",
        (
            _flow(VISITS, "件", 50, 55, 60),
            _flow("県の知財活用補助金の採択件数", "件", 5, 6, 8),
        ),
    ),
    PrefectureSpec(
        "40",
        "福岡県産業振興ビジョン",
        (
            _flow(SEMINAR, "社", 130, 145, 160),
            _stock("知財に着目した融資を利用した県内企業数（累計）", "社", 20, 25, 32),
            _flow(NEW_PRODUCTS, "件", 18, 20, 22),
        ),
    ),
    PrefectureSpec(
        "47",
        "沖縄県産業振興ビジョン",
        (
            _flow(SEMINAR, "社", 40, 45, 50),
            _flow("地域ブランドを活用した新商品開発件数", "件", 6, 7, 8),
        ),
    ),
)

# The regional KPI that has only a first half in FY2025, so the UI shows 上期 and a year-end forecast.
FIRST_HALF_ONLY = ("13", 1)


@dataclass(frozen=True)
class Figure:
    year: int
    half: str
    value: int | None = None
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class DemoKpi:
    code: str
    jis: str
    index: int
    prefecture_name: str
    vision: str
    spec: RegionalKpiSpec
    met: dict[int, bool] = field(default_factory=dict)
    actuals: list[Figure] = field(default_factory=list)


# The 3rd plan's central KPIs typed in: FY figures as int. The core, attached and effect indicators are not
# here: they are counted from the demo hands-on support cases (chizai.cases.demo), which are built to give
# core 63 / 61 / 62, regional discovery 6 / 9 / 16 and the effect 11/18, 40/61, 41/62.
CENTRAL_ACTUALS: dict[str, list[Figure]] = {
    "agency-window-consultations": [Figure(2023, FY, 108_236)],
    "agency-window-collaborations": [Figure(2023, FY, 12_547)],
    "agency-ip-finance-institutions": [Figure(2023, FY, 95)],
    "agency-new-sme-applicants": [Figure(2023, FY, 14_312)],
}

# (KPI code, year, half, text). Regional codes are resolved against the generated KPIs.
EVALUATIONS: tuple[tuple[str, int, str, str], ...] = (
    (
        "core-model-case-support",
        2023,
        FY,
        "【デモ】目標60件に対し63件の企業支援を実施した。経済産業局・INPITとの案件共有を月次化したことで、"
        "ヒアリングから課題抽出までの期間が短縮した。",
    ),
    (
        "core-regional-discovery",
        2024,
        FY,
        "【デモ】目標10件に対し9件にとどまった。自治体からの紹介は増えたが、支援開始が年度末にずれ込んだ案件が"
        "あった。次年度は地域連絡会議で候補企業の早期共有を依頼する。",
    ),
    (
        "effect-ip-in-strategy",
        2024,
        FY,
        "【デモ】支援企業61社のうち40社が知財の取組を経営戦略に位置づけて実行に移した。フォローアップで"
        "社内体制の整備が進んだ事例が多い。",
    ),
    (
        "effect-regional-value-creation",
        2024,
        FY,
        "【デモ】ハンズオン支援を活用した地域が増え、支援事例を自治体の施策に取り入れる動きが複数の地域で見られた。"
        "モデル事例の横展開を引き続き進める。",
    ),
    (
        "demo-r13-1",
        2025,
        H1,
        "【デモ】上期は窓口の専門家と合同で重点業種の企業を訪問した。下期も同じペースで訪問を続ければ"
        "年度目標に届く見込み。",
    ),
    (
        "demo-r27-2",
        2024,
        FY,
        "【デモ】補助金の公募説明会を知財総合支援窓口と共同で開催し、申請の事前相談が増えた。",
    ),
)


# ---------------------------------------------------------------------------------------------------------
# Generating the regional figures (pure: no database, no clock)
# ---------------------------------------------------------------------------------------------------------


def regional_code(jis: str, index: int) -> str:
    return f"{DEMO_CODE_PREFIX}r{jis}-{index}"


def _choose_met(items: list[tuple[str, int]], rng: random.Random) -> dict[int, set[tuple[str, int]]]:
    """For each year, the items that meet their target: a fixed share, chosen by the seeded generator."""
    met: dict[int, set[tuple[str, int]]] = {}
    for year in YEARS:
        forced_missing = {FIRST_HALF_ONLY} if year == YEARS[-1] else set()  # incomplete: cannot be met
        missing_count = len(items) - round(len(items) * MET_RATE[year])
        candidates = [item for item in items if item not in forced_missing]
        missing = set(rng.sample(candidates, max(0, missing_count - len(forced_missing)))) | forced_missing
        met[year] = {item for item in items if item not in missing}
    return met


def _flow_value(target: int, met: bool, rng: random.Random) -> int:
    if met:
        return math.ceil(target * rng.uniform(1.0, 1.3))
    return min(target - 1, math.floor(target * rng.uniform(0.7, 0.95)))


def _stock_value(target: int, met: bool, rng: random.Random) -> int:
    if met:
        return math.ceil(target * rng.uniform(1.0, 1.1))
    return min(target - 1, math.floor(target * rng.uniform(0.9, 0.97)))


def _ratio_value(target: int, met: bool, rng: random.Random) -> tuple[int, int]:
    denominator = rng.randint(30, 90)
    if met:
        numerator = min(denominator, math.ceil(denominator * target / 100) + rng.randint(0, 3))
    else:
        numerator = math.floor(denominator * target / 100 * rng.uniform(0.8, 0.93))
    return numerator, denominator


def _year_figures(spec: RegionalKpiSpec, year: int, met: bool, previous: int, rng: random.Random) -> list[Figure]:
    target = spec.targets[YEARS.index(year)]
    split = year == YEARS[-1]  # the last year is entered by half (上期・下期)
    if spec.shape == Shape.RATIO:
        numerator, denominator = _ratio_value(target, met, rng)
        if not split:
            return [Figure(year, FY, numerator=numerator, denominator=denominator)]
        d1 = denominator // 2 + rng.randint(-3, 3)
        d2 = denominator - d1
        n1 = max(numerator - d2, min(d1, round(numerator * d1 / denominator)))
        return [
            Figure(year, H1, numerator=n1, denominator=d1),
            Figure(year, H2, numerator=numerator - n1, denominator=d2),
        ]
    if spec.shape == Shape.STOCK:
        value = _stock_value(target, met, rng)
        if value < previous:
            raise AssertionError(f"demo stock falls: {spec.name} {year}")  # the tables guarantee it never does
        if not split:
            return [Figure(year, FY, value)]
        level_h1 = previous + round((value - previous) * rng.uniform(0.35, 0.6))
        return [Figure(year, H1, level_h1), Figure(year, H2, value)]
    value = _flow_value(target, met, rng)
    if not split:
        return [Figure(year, FY, value)]
    first = round(value * rng.uniform(0.4, 0.5))
    return [Figure(year, H1, first), Figure(year, H2, value - first)]


def regional_kpis(prefecture_names: dict[str, str] | None = None) -> list[DemoKpi]:
    """The demo regional KPIs with their generated actuals; the same every time."""
    rng = random.Random(SEED)
    items = [(p.jis, i) for p in PREFECTURES for i in range(1, len(p.kpis) + 1)]
    met = _choose_met(items, rng)
    names = prefecture_names or {}
    result = []
    for prefecture in PREFECTURES:
        for index, spec in enumerate(prefecture.kpis, start=1):
            item = (prefecture.jis, index)
            kpi = DemoKpi(
                code=regional_code(prefecture.jis, index),
                jis=prefecture.jis,
                index=index,
                prefecture_name=names.get(prefecture.jis, ""),
                vision=prefecture.vision,
                spec=spec,
            )
            previous = 0
            for year in YEARS:
                kpi.met[year] = item in met[year]
                figures = _year_figures(spec, year, kpi.met[year], previous, rng)
                if item == FIRST_HALF_ONLY and year == YEARS[-1]:
                    # Only the first half is in: generated on track, so the forecast reaches the target.
                    figures = [f for f in _year_figures(spec, year, True, previous, rng) if f.half == H1]
                kpi.actuals.extend(figures)
                previous = figures[-1].value or 0
            result.append(kpi)
    return result


def _description(kpi: DemoKpi) -> str:
    return (
        f"【デモ】{kpi.prefecture_name}「{kpi.vision}」（架空の産業振興ビジョン）に基づく地域KPIです。"
        "目標・実績はすべて架空のデモデータです。"
    )


def _target_note(spec: RegionalKpiSpec) -> str:
    if spec.shape == Shape.RATIO:
        return "以上"
    return "累計" if spec.shape == Shape.STOCK else ""


# ---------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    plan: Plan
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    regional_kpis: int = 0
    prefectures: int = 0
    blocks: int = 0
    users_created: list[str] = field(default_factory=list)
    users_kept_password: list[str] = field(default_factory=list)
    dataset_created: bool = False
    items_met: dict[int, ItemsMet] = field(default_factory=dict)
    cases: Any = None  # chizai.cases.demo.CasesDemoSummary: the demo hands-on support cases
    pdca: Any = None  # chizai.pdca.demo.PdcaDemoSummary: the demo self-evaluations
    meetings: int = 0  # demo liaison meetings created

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.users_created or self.dataset_created)


def _numbers(figure: Figure) -> dict[str, Decimal | None]:
    def dec(value: int | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return {"value": dec(figure.value), "numerator": dec(figure.numerator), "denominator": dec(figure.denominator)}


def _actual_rows(
    kpi: Kpi, figures: list[Figure], existing: dict[tuple[Any, ...], Actual], summary: DemoSummary
) -> list[ActualValue]:
    """The KPI's demo actuals; a figure entered by a user is never overwritten by demo data."""
    rows = []
    for figure in figures:
        current = existing.get((kpi.pk, figure.year, figure.year, figure.half))
        if current is not None and current.source != ActualSource.DEMO:
            summary.skipped += 1
            continue
        numbers = _numbers(figure)
        rows.append(
            ActualValue(
                kpi,
                figure.year,
                figure.year,
                figure.half,
                value=numbers["value"],
                numerator=numbers["numerator"],
                denominator=numbers["denominator"],
                source=ActualSource.DEMO,
                source_note=SOURCE_NOTE,
            )
        )
    return rows


def _ensure_users(summary: DemoSummary, reset_passwords: bool) -> None:
    User = get_user_model()
    usernames = [m.username for m in CAST]
    before = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    wanted = {(m.username, m.organization_code, m.role.value) for m in CAST}
    memberships = set(
        Membership.objects.filter(user__username__in=usernames).values_list(
            "user__username", "organization__code", "role"
        )
    )
    # create_cast() hashes the password (deliberately slow) even when there is nothing to do: call it only if needed.
    if reset_passwords or len(before) < len(CAST) or not wanted <= memberships:
        try:
            create_cast(CAST_PASSWORD, reset_passwords=reset_passwords)
        except ValueError as error:
            raise DemoError(str(error)) from error
    summary.users_created = [m.username for m in CAST if m.username not in before]
    if not reset_passwords:
        summary.users_kept_password = [m.username for m in CAST if m.username in before]
    make_superuser(SUPERUSER)


def _get_plan() -> Plan:
    plan = Plan.objects.filter(number=PLAN_NUMBER).first()
    if plan is None:
        raise DemoError(
            "第3次地域知財活性化行動計画が登録されていません。"
            f"先に `chizai load_plan {PLAN_FILE}` を実行して計画を読み込んでください。"
        )
    return plan


@transaction.atomic
def load_demo(*, reset_passwords: bool = False) -> DemoSummary:
    """Load (or bring up to date) the demo data for the 3rd plan; idempotent, in one transaction."""
    plan = _get_plan()
    central = {k.code: k for k in Kpi.objects.filter(plan=plan, code__in=[*CENTRAL_ACTUALS, *_evaluation_codes()])}
    missing = sorted(set(CENTRAL_ACTUALS) - set(central))
    if missing:
        raise DemoError(
            f"第3次計画の中央KPIが見つかりません（{', '.join(missing)}）。"
            f"先に `chizai load_plan {PLAN_FILE}` を実行してください。"
        )
    prefectures = {
        o.jis_code: o
        for o in Organization.objects.filter(
            kind=OrganizationKind.PREFECTURE, jis_code__in=[p.jis for p in PREFECTURES]
        ).select_related("bureau")
    }
    if len(prefectures) != len(PREFECTURES):
        raise DemoError("都道府県が登録されていません。先に `chizai setup_reference` を実行してください。")

    summary = DemoSummary(plan=plan)
    who: dict[str, Any] = {"actor": None, "actor_label": ACTOR_LABEL}
    _ensure_users(summary, reset_passwords)

    demo_kpis = regional_kpis({jis: o.name for jis, o in prefectures.items()})
    existing_kpis = {
        k.code: k
        for k in Kpi.objects.filter(plan=plan, code__startswith=DEMO_CODE_PREFIX).select_related("owner", "parent")
    }
    kpis: dict[str, Kpi] = dict(central)
    for demo in demo_kpis:
        kpis[demo.code], counts = save_kpi(
            plan=plan,
            code=demo.code,
            values=_kpi_values(demo, prefectures),
            current=existing_kpis.get(demo.code),
            **who,
        )
        _count(summary, counts)

    kpi_ids = [k.pk for k in kpis.values()]
    targets = {
        (t.kpi_id, t.start_year, t.end_year): t for t in Target.objects.select_for_update().filter(kpi_id__in=kpi_ids)
    }
    actuals = {
        (a.kpi_id, a.start_year, a.end_year, a.half): a
        for a in Actual.objects.select_for_update().filter(kpi_id__in=kpi_ids)
    }
    evaluations = {
        (e.kpi_id, e.start_year, e.end_year, e.half): e
        for e in Evaluation.objects.select_for_update().filter(kpi_id__in=kpi_ids)
    }

    target_rows = []
    actual_rows = []
    for demo in demo_kpis:
        kpi = kpis[demo.code]
        for year, value in zip(YEARS, demo.spec.targets, strict=True):
            existing = targets.get((kpi.pk, year, year))
            if existing is not None and existing.version > 1:
                continue  # changed in the system since (e.g. by a reported revision): no longer the demo's
            target_rows.append(TargetValue(kpi, year, year, Decimal(value), _target_note(demo.spec)))
        actual_rows += _actual_rows(kpi, demo.actuals, actuals, summary)
    for code, figures in CENTRAL_ACTUALS.items():
        actual_rows += _actual_rows(kpis[code], figures, actuals, summary)
    evaluation_rows = [
        EvaluationText(kpis[code], year, year, half, text) for code, year, half, text in EVALUATIONS if code in kpis
    ]
    _count(summary, save_targets(rows=target_rows, current=targets, **who))
    _count(summary, save_actuals(rows=actual_rows, current=actuals, **who))
    _count(summary, save_evaluations(rows=evaluation_rows, current=evaluations, **who))
    summary.dataset_created = mark_demo_loaded(description=DEMO_DESCRIPTION)

    # The apps built on the KPIs (cases, self-evaluations, meetings) add theirs, in the order they registered.
    today = timezone.localdate()
    for name, (_, loader) in sorted(_demo_loaders.items(), key=lambda item: item[1][0]):
        setattr(summary, name, loader(plan, today))

    summary.regional_kpis = len(demo_kpis)
    summary.prefectures = len(prefectures)
    summary.blocks = len({o.bureau_id for o in prefectures.values()})
    summary.items_met = regional_items_met(plan)
    return summary


def _kpi_values(demo: DemoKpi, prefectures: dict[str, Organization]) -> dict[str, Any]:
    return {
        "kind": KpiKind.REGIONAL,
        "numbering": "",
        "sort_order": 1000 + int(demo.jis) * 10 + demo.index,
        "name": demo.spec.name,
        "description": _description(demo),
        "owner": prefectures[demo.jis],
        "unit": demo.spec.unit,
        "period_basis": PeriodBasis.FISCAL_YEAR,
        "shape": demo.spec.shape,
        "direction": Direction.HIGHER,
        "parent": None,
        "decimals": 0,
        "baseline_value": None,
        "baseline_year": None,
        "measurable": True,
        "target_source": f"【デモ】{demo.prefecture_name}「{demo.vision}」（架空）",
    }


def _count(summary: DemoSummary, counts: WriteCounts) -> None:
    summary.created += counts.created
    summary.updated += counts.updated
    summary.deleted += counts.deleted


def _evaluation_codes() -> list[str]:
    return [code for code, *_rest in EVALUATIONS if not code.startswith(DEMO_CODE_PREFIX)]


def regional_items_met(plan: Plan) -> dict[int, ItemsMet]:
    """Met / total of the demo regional KPIs per fiscal year, judged after the plan period has ended."""
    after_plan = fiscal_year_end(plan.last_fiscal_year) + datetime.timedelta(days=1)
    kpis = list(Kpi.objects.filter(plan=plan, code__startswith=DEMO_CODE_PREFIX).regional().with_values())
    return {year: items_met(result_for_year(k, year, after_plan) for k in kpis) for year in YEARS}


def cast_rows() -> list[tuple[str, str, str]]:
    """(ユーザー名, 所属, 役割) of every cast member, in cast order."""
    memberships = Membership.objects.filter(user__username__in=[m.username for m in CAST]).select_related(
        "user", "organization"
    )
    by_key = {(m.user.get_username(), m.organization.code): m for m in memberships}
    rows = []
    for member in CAST:
        membership = by_key.get((member.username, member.organization_code))
        organization = membership.organization.name if membership else member.organization_code
        role = membership.get_role_display() if membership else member.role.label
        rows.append((member.username, organization, role))
    return rows
