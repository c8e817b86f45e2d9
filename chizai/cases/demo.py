"""Demo hands-on support cases (架空のデモ案件) for the 3rd plan: companies, cases in every stage, model cases.

Every company and case is invented, flagged `is_demo` and named 【デモ】. The data are fixed tables plus a
seeded `random.Random`, never the clock: every load generates the same cases. The story ends with the plan
period (31 March 2026): the FY2023 and FY2024 cases have been followed up, the FY2025 cases stand in every
stage. The yearly totals are those of the KPI demo's texts (core 63 / 61 / 62 cases, regional discovery
6 / 9 / 16, followed-up companies with IP in their strategy and acted on 11/18, 40/61, 41/62), so the 3rd
plan's case-based KPIs, recomputed from these cases at the end, tell the same story.

Each case has its own company (186 of them, 【デモ】みなと精密工業株式会社 first), across the prefectures.
Companies and cases are written in bulk through `chizai.cases.actions.load_companies` and `load_cases`
(validated, stage history included), each creation audited with the actor 「デモデータ読込」. Loading is
idempotent: companies are keyed by corporate number, cases by company and fiscal year, model cases by case.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chizai.cases import actions
from chizai.cases.actions import default_due_date, load_model_case
from chizai.cases.counting import recompute_plan
from chizai.cases.models import (
    SME_THRESHOLDS,
    CaseIssue,
    Company,
    ExpertSupport,
    ExpertSupportKind,
    ExpertSupportStatus,
    IssueCategory,
    ModelCase,
    ModelCaseStatus,
    Origin,
    SmeCategory,
    Stage,
    StageChange,
    SupportCase,
)
from chizai.kpis.actions import delete_rows
from chizai.kpis.models import Actual, ActualSource, Plan
from chizai.lib.fiscal import fiscal_year_end, fiscal_year_start
from chizai.organizations.models import Organization, OrganizationKind

ACTOR_LABEL = "デモデータ読込"
SEED = 2025
YEARS = (2023, 2024, 2025)
STORY_END = datetime.date(2026, 3, 31)  # the last day of the plan period: nothing happens after it
DEMO = "【デモ】"
CORPORATE_BASE_PREFIX = "99990"  # + 7 digits: a registry office code no real corporate number has
JPO_APPROVER = "jpo_admin"

# ---------------------------------------------------------------------------------------------------------
# The fixed tables
# ---------------------------------------------------------------------------------------------------------

STEMS = (
    "みなと", "あさひ", "さくら", "ひかり", "みどり", "やまなみ", "しおかぜ", "つばさ", "こだま", "いずみ",
    "かがやき", "はるか", "あおば", "わかば", "ほくと", "なぎさ", "そよかぜ", "ゆうひ", "たちばな", "もみじ",
    "かすみ", "しらかば", "ひばり", "あかつき", "みずほ", "ときわ", "すずらん", "こはく", "るり", "ひすい",
    "あけぼの", "はやて", "みらい", "せせらぎ", "いろは", "のぞみ", "ふたば", "やまびこ", "おおぞら", "かもめ",
)  # fmt: skip


@dataclass(frozen=True)
class Business:
    name: str  # with {} for the stem
    industry: str
    sme_category: str


BUSINESSES = (
    Business("{}精密工業株式会社", "金属製品製造業", SmeCategory.MANUFACTURING),
    Business("{}食品株式会社", "食料品製造業", SmeCategory.MANUFACTURING),
    Business("{}化成株式会社", "化学工業", SmeCategory.MANUFACTURING),
    Business("{}テキスタイル株式会社", "繊維工業", SmeCategory.MANUFACTURING),
    Business("{}電子株式会社", "電子部品・デバイス製造業", SmeCategory.MANUFACTURING),
    Business("{}酒造株式会社", "飲料製造業（酒類）", SmeCategory.MANUFACTURING),
    Business("株式会社{}機械製作所", "生産用機械器具製造業", SmeCategory.MANUFACTURING),
    Business("株式会社{}ソフトウェア", "ソフトウェア業", SmeCategory.SERVICE),
    Business("{}商事株式会社", "産業機械器具卸売業", SmeCategory.WHOLESALE),
    Business("株式会社{}ファーム", "農業（6次産業化）", SmeCategory.MANUFACTURING),
    Business("株式会社{}デザイン工房", "デザイン業", SmeCategory.SERVICE),
    Business("{}バイオ株式会社", "医薬品製造業", SmeCategory.MANUFACTURING),
    Business("有限会社{}漆器", "伝統工芸品製造業（漆器）", SmeCategory.MANUFACTURING),
    Business("{}ロボティクス株式会社", "業務用機械器具製造業", SmeCategory.MANUFACTURING),
    Business("株式会社{}ストア", "飲食料品小売業", SmeCategory.RETAIL),
    Business("{}リゾート株式会社", "宿泊業", SmeCategory.SERVICE),
    Business("{}マテリアル株式会社", "窯業・土石製品製造業", SmeCategory.MANUFACTURING),
    Business("{}建設株式会社", "建設業", SmeCategory.MANUFACTURING),
)

# Tag → share of the demo companies that carry it.
TAGS = {"地域未来牽引企業": 0.25, "Go-Tech採択": 0.12, "スタートアップ": 0.12, "変革期": 0.3}
NON_SME_SHARE = 0.08
UNKNOWN_SIZE_SHARE = 0.03

# Who referred the regionally discovered cases (31 over the three years), by organisation code.
REFERRERS = (
    *["pref-13"] * 5, *["pref-27"] * 4, *["pref-14"] * 3, *["pref-23"] * 3, *["pref-40"] * 2, *["pref-01"] * 2,
    "pref-04", "pref-15", "pref-26", "pref-34", "pref-37", "pref-47",
    *["yorozu-13"] * 2, "yorozu-27", "yorozu-23", *["jcci"] * 2,
)  # fmt: skip
# Referrals from these bodies are supported by INPIT (accelerated support) rather than by the JPO team.
INPIT_TEAM_REFERRERS = ("yorozu-23", "yorozu-27")

FOLLOWED = "followed"
DROPPED = "dropped"
OPEN = "open"


@dataclass(frozen=True)
class Fate:
    """How a demo case goes: dropped early, followed up in a given year (counted in the effect or not), or
    still open at a stage when the story ends."""

    kind: str
    follow_up_year: int | None = None
    counted: bool = False
    closes: bool = True
    stage: str = Stage.CLOSED


@dataclass(frozen=True)
class YearPlan:
    cases: int
    regional: int
    dropped: int
    same_year: tuple[int, int, int]  # followed up in the year: (cases, counted in the effect, left in follow-up)
    next_year: tuple[int, int, int]  # followed up the next year: the same
    open_stages: dict[str, int] = field(default_factory=dict)


YEAR_PLANS: dict[int, YearPlan] = {
    2023: YearPlan(63, 6, 3, same_year=(18, 11, 0), next_year=(42, 27, 2)),
    2024: YearPlan(61, 9, 2, same_year=(19, 13, 0), next_year=(40, 26, 5)),
    2025: YearPlan(
        62,
        16,
        3,
        same_year=(22, 15, 10),
        next_year=(0, 0, 0),
        open_stages={
            Stage.REFERRAL: 4,
            Stage.HEARING: 5,
            Stage.ISSUE_EXTRACTION: 6,
            Stage.AGREED: 5,
            Stage.EXPERT_SUPPORT: 6,
            Stage.ACTIONS: 8,
            Stage.FOLLOW_UP: 3,
        },
    ),
}

# Typical days in each stage, to lay the stage history out plausibly.
TYPICAL_DAYS: dict[str, int] = {
    Stage.REFERRAL: 20,
    Stage.HEARING: 30,
    Stage.ISSUE_EXTRACTION: 30,
    Stage.AGREED: 20,
    Stage.EXPERT_SUPPORT: 75,
    Stage.ACTIONS: 110,
    Stage.FOLLOW_UP: 60,
}
EXPERT_SHARE = 0.6

MANAGEMENT_ISSUES = (
    IssueCategory.STAFFING,
    IssueCategory.SALES,
    IssueCategory.ORGANIZATION,
    IssueCategory.PRODUCT,
    IssueCategory.FINANCING,
)
IP_ISSUES = (
    IssueCategory.RIGHTS,
    IssueCategory.BRANDING,
    IssueCategory.LICENSING,
    IssueCategory.OVERSEAS,
    IssueCategory.TRADE_SECRETS,
    IssueCategory.IP_LANDSCAPE,
)
ISSUE_TEXTS: dict[str, tuple[str, ...]] = {
    IssueCategory.STAFFING: (
        "知財を担当できる人材が社内におらず、出願の判断が経営者に集中している。",
        "技術者の退職が続き、ノウハウの承継が課題になっている。",
    ),
    IssueCategory.SALES: (
        "新製品の販路が既存の取引先に限られ、新しい顧客層に届いていない。",
        "大手との取引拡大を目指すが、自社技術の強みを説明する資料がない。",
    ),
    IssueCategory.ORGANIZATION: (
        "開発と営業の情報共有が弱く、顧客の声が製品改良に生かされていない。",
        "事業承継を控え、次の経営陣に技術と知財の全体像を引き継ぐ必要がある。",
    ),
    IssueCategory.PRODUCT: (
        "主力製品の改良余地は大きいが、開発テーマの優先順位が定まっていない。",
        "既存技術を応用した新商品の構想があるが、事業化の道筋が描けていない。",
    ),
    IssueCategory.FINANCING: (
        "設備投資の資金調達で、技術力を金融機関に伝える材料が不足している。",
        "研究開発の資金繰りが厳しく、補助金の活用も検討したい。",
    ),
    IssueCategory.RIGHTS: (
        "中核技術が未出願のままで、権利化の要否と範囲を判断できていない。",
        "出願済みの特許が事業の方向と合っておらず、権利の見直しが必要。",
    ),
    IssueCategory.BRANDING: (
        "地域の名前を冠した商品名が商標登録されておらず、類似品が出回っている。",
        "自社ブランドの価値が取引先に伝わらず、価格競争に巻き込まれている。",
    ),
    IssueCategory.LICENSING: (
        "保有特許を他社にライセンスする可能性があるが、条件の考え方が分からない。",
        "共同開発先との間で成果の帰属と実施条件が曖昧になっている。",
    ),
    IssueCategory.OVERSEAS: (
        "海外展示会への出展を予定しているが、進出先での権利取得が済んでいない。",
        "海外の取引先から技術資料の開示を求められ、模倣のリスクを懸念している。",
    ),
    IssueCategory.TRADE_SECRETS: (
        "製造条件などのノウハウの管理が担当者任せで、秘密として管理されていない。",
        "取引先への図面の提供方法に決まりがなく、流出のおそれがある。",
    ),
    IssueCategory.IP_LANDSCAPE: (
        "新規事業の参入先を検討するにあたり、他社の特許の状況を把握できていない。",
        "自社技術が生かせる用途を、特許情報から探したい。",
    ),
}

EXPERT_TYPES = {
    ExpertSupportKind.DISPATCH: ("弁理士", "弁護士", "中小企業診断士", "デザイン・ブランド専門家"),
    ExpertSupportKind.ACCELERATED: ("知財戦略アドバイザー", "海外知財プロデューサー", "弁理士"),
}


@dataclass(frozen=True)
class ModelCaseSpec:
    status: str
    fiscal_year: int
    categories: tuple[str, ...]
    industries: tuple[str, ...]  # the summary fits a company of these industries
    title: str
    summary: str


MODEL_CASES = (
    ModelCaseSpec(
        ModelCaseStatus.PUBLISHED,
        2023,
        (IssueCategory.SALES, IssueCategory.BRANDING, IssueCategory.RIGHTS),
        ("食料品製造業", "飲料製造業（酒類）", "農業（6次産業化）", "伝統工芸品製造業（漆器）", "窯業・土石製品製造業"),
        "地域の名を冠した商品のブランドを商標で守り、新しい販路を開いた事例",
        "地域の原材料を使った商品が評判を呼ぶ一方、類似の商品名が出回り、取引先から品質を問われる場面が"
        "増えていた。ヒアリングで、商品名とロゴが権利化されていないこと、強みを伝える材料がないことを"
        "課題として整理し、経営陣と共有した。専門家派遣で商標の出願方針とブランドの使用ルールを定め、"
        "商品の由来を伝える販促資料を作成した。フォローアップでは、知財を経営戦略に位置づけた取組が社内に"
        "定着し、首都圏の小売店との新たな取引につながったことを確認した。",
    ),
    ModelCaseSpec(
        ModelCaseStatus.PUBLISHED,
        2023,
        (IssueCategory.PRODUCT, IssueCategory.TRADE_SECRETS, IssueCategory.IP_LANDSCAPE),
        ("金属製品製造業", "化学工業", "窯業・土石製品製造業", "電子部品・デバイス製造業", "生産用機械器具製造業"),
        "特許情報の分析で新用途を見いだし、ノウハウ管理と合わせて新製品を開発した事例",
        "加工技術に強みを持つが、主力の取引先への依存が高く、新しい用途の開拓が課題だった。特許情報の"
        "分析（IPランドスケープ）で自社技術が生かせる分野を洗い出し、参入の優先順位を経営会議で決めた。"
        "あわせて、製造条件のノウハウを営業秘密として管理する規程を整え、出願するものと秘匿するものを"
        "切り分けた。フォローアップ時点で、新分野向けの試作品が完成し、特許出願にも至っている。",
    ),
    ModelCaseSpec(
        ModelCaseStatus.SUBMITTED,
        2024,
        (IssueCategory.OVERSEAS, IssueCategory.RIGHTS),
        ("業務用機械器具製造業", "電子部品・デバイス製造業", "繊維工業", "生産用機械器具製造業", "化学工業"),
        "海外展示会への出展を機に、進出先での権利取得と技術資料の開示ルールを整えた事例",
        "海外展示会への出展を控え、進出先で権利を取得していないことが分かった。支援チームと課題を整理し、"
        "加速的支援で出願国の優先順位と出願の時期を決め、商談で開示する技術資料の範囲を定めた。"
        "出展後の商談では、開示ルールに沿って交渉を進めることができた。",
    ),
    ModelCaseSpec(
        ModelCaseStatus.DRAFT,
        2024,
        (IssueCategory.ORGANIZATION, IssueCategory.LICENSING),
        (),  # any
        "事業承継を機に知財の全体像を整理し、共同開発の成果の扱いを見直した事例（作成中）",
        "事業承継を控え、次の経営陣に技術と知財の全体像を引き継ぐことが課題だった。共同開発先との"
        "取決めも見直し、成果の帰属と実施条件を整理した。（作成中）",
    ),
)

# ---------------------------------------------------------------------------------------------------------
# Generating the demo (pure: no database, no clock)
# ---------------------------------------------------------------------------------------------------------


def corporate_number(index: int) -> str:
    """The index-th demo corporate number: a fictional 12-digit base with its check digit in front."""
    base = f"{CORPORATE_BASE_PREFIX}{index:07d}"
    total = sum(int(digit) * (1 if position % 2 else 2) for position, digit in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


@dataclass
class CompanyDraft:
    corporate_number: str
    name: str
    industry: str
    sme_category: str
    employees: int | None
    capital: Decimal | None
    tags: tuple[str, ...]
    prefecture_code: str = ""


@dataclass
class StageEntry:
    stage: str
    on: datetime.date
    note: str = ""


@dataclass
class ExpertDraft:
    kind: str
    expert_type: str
    hours: Decimal
    start_date: datetime.date | None
    end_date: datetime.date | None
    status: str


@dataclass
class CaseDraft:
    fiscal_year: int
    fate: Fate
    company: CompanyDraft
    origin: str = Origin.PUSH
    referrer_code: str = ""
    team_code: str = "jpo"
    history: list[StageEntry] = field(default_factory=list)
    closed_on: datetime.date | None = None
    followed_up_on: datetime.date | None = None
    issues: list[tuple[str, str]] = field(default_factory=list)
    experts: list[ExpertDraft] = field(default_factory=list)
    outcomes: tuple[bool | None, bool | None, bool | None, bool | None] = (None, None, None, None)
    hearing_notes: str = ""
    actions_agreed: str = ""
    follow_up_results: str = ""
    model_case: ModelCaseSpec | None = None

    @property
    def stage(self) -> str:
        return self.history[-1].stage

    def reached(self, stage: str) -> bool:
        return any(entry.stage == stage for entry in self.history)


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _size(rng: random.Random, business: Business, tags: tuple[str, ...]) -> tuple[int | None, Decimal | None]:
    """Employees and capital (円): an SME under the SME Basic Act's thresholds, now and then a larger company."""
    capital_limit, employee_limit = SME_THRESHOLDS[business.sme_category]
    draw = rng.random()
    if draw < UNKNOWN_SIZE_SHARE:
        return None, None
    if draw < UNKNOWN_SIZE_SHARE + NON_SME_SHARE and "スタートアップ" not in tags:
        employees = employee_limit + rng.randint(20, 900)
        return employees, Decimal(int(capital_limit * Decimal(rng.uniform(1.2, 6.0))) // 10_000_000 * 10_000_000)
    if "スタートアップ" in tags:
        return rng.randint(3, 40), Decimal(rng.randint(1, 90) * 1_000_000)
    employees = rng.randint(5, max(6, employee_limit - 10))
    return employees, Decimal(rng.randint(1, int(capital_limit // 10_000_000)) * 10_000_000)


def _companies(count: int, rng: random.Random) -> list[CompanyDraft]:
    combos = list(product(range(len(STEMS)), range(len(BUSINESSES))))
    rng.shuffle(combos)
    combos.remove((0, 0))
    combos.insert(0, (0, 0))  # the first is always 【デモ】みなと精密工業株式会社
    companies = []
    for index, (stem, kind) in enumerate(combos[:count], start=1):
        business = BUSINESSES[kind]
        tags = tuple(tag for tag, share in TAGS.items() if rng.random() < share)
        employees, capital = _size(rng, business, tags)
        name = DEMO + business.name.format(STEMS[stem])
        companies.append(
            CompanyDraft(
                corporate_number(index), name, business.industry, business.sme_category, employees, capital, tags
            )
        )
    return companies


def _fates(year: int, plan: YearPlan) -> list[Fate]:
    fates = [Fate(DROPPED) for _ in range(plan.dropped)]
    for follow_up_year, (cases, counted, left_open) in ((year, plan.same_year), (year + 1, plan.next_year)):
        for i in range(cases):
            # The last `left_open` of the group are still in follow-up when the story ends.
            fates.append(Fate(FOLLOWED, follow_up_year, counted=i < counted, closes=i < cases - left_open))
    for stage, cases in plan.open_stages.items():
        fates += [Fate(OPEN, stage=stage) for _ in range(cases)]
    if len(fates) != plan.cases:
        raise AssertionError(f"demo year plan {year} adds up to {len(fates)}, not {plan.cases}")
    return fates


def _path(fate: Fate, rng: random.Random) -> list[str]:
    """The stages the case goes through, up to where it stands at the end of the story."""
    if fate.kind == DROPPED:
        return [Stage.REFERRAL, Stage.HEARING, *([Stage.ISSUE_EXTRACTION] if rng.random() < 0.5 else [])]
    path: list[str] = [Stage.REFERRAL, Stage.HEARING, Stage.ISSUE_EXTRACTION, Stage.AGREED]
    if rng.random() < EXPERT_SHARE or fate.stage == Stage.EXPERT_SUPPORT:
        path.append(Stage.EXPERT_SUPPORT)
    path += [Stage.ACTIONS, Stage.FOLLOW_UP]
    last = Stage.FOLLOW_UP if fate.kind == FOLLOWED else fate.stage
    return path[: path.index(last) + 1]


def _lay_out(path: list[str], start: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Dates of entering each stage: the first on `start`, the last on `last`, the rest by typical length."""
    weights = [TYPICAL_DAYS[stage] for stage in path[:-1]]
    total = sum(weights) or 1
    span = max((last - start).days, len(path) - 1)
    dates, elapsed = [start], 0
    for weight in weights:
        elapsed += weight
        dates.append(start + datetime.timedelta(days=max(len(dates), round(span * elapsed / total))))
    return dates


def _schedule(case: CaseDraft, rng: random.Random) -> None:
    """Opening date, stage history, follow-up and closing dates, by the case's fate."""
    year, fate = case.fiscal_year, case.fate
    first, last_day = fiscal_year_start(year), min(fiscal_year_end(year), STORY_END)
    path = _path(fate, rng)
    if fate.kind == FOLLOWED:
        assert fate.follow_up_year is not None
        if fate.follow_up_year == year:
            opened = _between(rng, first, datetime.date(year, 7, 31))
            followed = opened + _days(rng, 200, 235)
        else:
            opened = _between(rng, datetime.date(year, 8, 1), last_day)
            followed = max(opened + _days(rng, 200, 330), fiscal_year_start(year + 1) + _days(rng, 0, 45))
        entered_follow_up = followed - _days(rng, 30, 75)
        dates = _lay_out(path, opened, entered_follow_up)
        case.followed_up_on = followed
        closing = followed + _days(rng, 14, 75)
        if fate.closes and closing <= STORY_END:
            case.closed_on = closing
    elif fate.kind == DROPPED:
        opened = _between(rng, first, last_day - datetime.timedelta(days=90))
        dates = _lay_out(path, opened, opened + _days(rng, 20, 45))
        case.closed_on = dates[-1] + _days(rng, 10, 40)
    else:
        span = datetime.timedelta(days=int(sum(TYPICAL_DAYS[s] for s in path[:-1]) * rng.uniform(0.8, 1.2)))
        current = STORY_END - _days(rng, 7, 50)
        opened = max(first + _days(rng, 0, 20), current - span)
        dates = _lay_out(path, opened, current)
    case.history = [StageEntry(stage, on) for stage, on in zip(path, dates, strict=True)]
    if case.closed_on is not None:
        note = "" if case.followed_up_on else f"{DEMO}企業側の事情により、支援を見送ることになった。"
        case.history.append(StageEntry(Stage.CLOSED, case.closed_on, note))


def _records(case: CaseDraft, rng: random.Random) -> None:
    """Issues, expert supports, notes and outcomes, as far as the case has come."""
    industry = case.company.industry
    if case.reached(Stage.HEARING):
        case.hearing_notes = (
            f"{DEMO}{industry}。経営者と開発責任者にヒアリング。自社の強みは長年培った技術と顧客との信頼関係。"
            "今後の成長に向けて、知財をどう経営に生かすかを一緒に考えたいとの意向。"
        )
    if case.reached(Stage.ISSUE_EXTRACTION):
        categories = (
            list(case.model_case.categories)
            if case.model_case
            else [rng.choice(MANAGEMENT_ISSUES), *rng.sample(IP_ISSUES, rng.randint(1, 2))]
        )
        case.issues = [(c, DEMO + rng.choice(ISSUE_TEXTS[c])) for c in categories]
    if case.reached(Stage.EXPERT_SUPPORT):
        case.experts = _experts(case, rng)
    if case.reached(Stage.ACTIONS):
        labels = "・".join(str(IssueCategory(c).label) for c, _text in case.issues)
        case.actions_agreed = f"{DEMO}{labels}について、半年間の行動計画を作成し、毎月の進捗確認を行う。"
    if case.followed_up_on is not None:
        case.outcomes = _outcomes(case.fate, rng)
        case.follow_up_results = f"{DEMO}行動計画の実施状況を確認した。" + (
            "知財の取組を経営戦略に位置づけ、実行に移している。" if case.fate.counted else "取組は途上にある。"
        )


def _experts(case: CaseDraft, rng: random.Random) -> list[ExpertDraft]:
    start = next(e.on for e in case.history if e.stage == Stage.EXPERT_SUPPORT)
    end = next((e.on for e in case.history if e.stage == Stage.ACTIONS), None)
    experts = []
    kinds = [ExpertSupportKind.DISPATCH] + ([ExpertSupportKind.ACCELERATED] if rng.random() < 0.35 else [])
    if case.team_code == "inpit":
        kinds = [ExpertSupportKind.ACCELERATED]
    for kind in kinds:
        status = ExpertSupportStatus.DONE if end else ExpertSupportStatus.IN_PROGRESS
        begin = min(start + _days(rng, 3, 14), STORY_END)
        finish = max(begin, end - _days(rng, 0, 7)) if end else None
        hours = Decimal(rng.randint(4, 40))
        experts.append(ExpertDraft(kind, rng.choice(EXPERT_TYPES[kind]), hours, begin, finish, status))
    return experts


def _outcomes(fate: Fate, rng: random.Random) -> tuple[bool, bool, bool, bool]:
    if fate.counted:
        return True, True, rng.random() < 0.6, rng.random() < 0.75
    in_strategy = rng.random() < 0.5
    return in_strategy, False, rng.random() < 0.2, rng.random() < 0.3


def _origins(cases: list[CaseDraft], regional: int, referrers: list[str], rng: random.Random) -> None:
    for case in rng.sample(cases, regional):
        code = referrers.pop()
        case.origin, case.referrer_code = Origin.REGIONAL, code
        case.team_code = "inpit" if code in INPIT_TEAM_REFERRERS else "jpo"


def _assign_model_cases(cases: list[CaseDraft]) -> None:
    """Each model case is written from a closed case that had the outcome, of an industry its text fits."""
    for spec in MODEL_CASES:
        hosts = [
            c
            for c in cases
            if c.fiscal_year == spec.fiscal_year
            and c.model_case is None
            and c.fate.kind == FOLLOWED
            and c.fate.counted
            and c.fate.closes
            and c.fate.follow_up_year == spec.fiscal_year
        ]
        fitting = [c for c in hosts if c.company.industry in spec.industries]
        (fitting or hosts)[0].model_case = spec


def demo_cases() -> list[CaseDraft]:
    """Every demo case with its company, history and records; the same every time."""
    rng = random.Random(SEED)
    total = sum(plan.cases for plan in YEAR_PLANS.values())
    companies = _companies(total, rng)
    referrers = list(REFERRERS)
    rng.shuffle(referrers)
    cases: list[CaseDraft] = []
    for year, plan in YEAR_PLANS.items():
        fates = _fates(year, plan)
        rng.shuffle(fates)
        year_cases = [CaseDraft(year, fate, companies[len(cases) + i]) for i, fate in enumerate(fates)]
        _origins(year_cases, plan.regional, referrers, rng)
        cases += year_cases
    _assign_model_cases(cases)
    for case in cases:
        _schedule(case, rng)
        _records(case, rng)
    return cases


# ---------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------


@dataclass
class CasesDemoSummary:
    companies: int = 0
    cases: Counter[str] = field(default_factory=Counter)  # created, by the stage they stand in
    model_cases: int = 0

    def line(self) -> str:
        total = sum(self.cases.values())
        if not (total or self.companies or self.model_cases):
            return "ハンズオン支援（デモ）: 追加 0件（変更なし）"
        stages = "・".join(f"{Stage(s).label} {self.cases[s]}" for s in Stage.values if self.cases[s])
        return (
            f"ハンズオン支援（デモ）: 企業 {self.companies}社、案件 {total}件"
            + (f"（{stages}）" if stages else "")
            + f"、モデル事例 {self.model_cases}件を追加"
        )


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _entered_at(index: int, entry: StageEntry) -> datetime.datetime:
    return _at(entry.on, 10 + index % 7)


def _prefecture_of(case: CaseDraft, organizations: dict[str, Organization], rng: random.Random) -> str:
    """A referred company is in its referrer's prefecture; a JPO-direct one anywhere in Japan."""
    referrer = organizations.get(case.referrer_code)
    if referrer is not None and referrer.kind == OrganizationKind.PREFECTURE:
        return referrer.code
    if referrer is not None and referrer.prefecture_id:
        return next(o.code for o in organizations.values() if o.pk == referrer.prefecture_id)
    return f"pref-{rng.randint(1, 47):02d}"


def _write_companies(
    drafts: list[CaseDraft], organizations: dict[str, Organization], plan: Plan, summary: CasesDemoSummary
) -> dict[str, Company]:
    rng = random.Random(SEED + 1)
    for case in drafts:
        case.company.prefecture_code = _prefecture_of(case, organizations, rng)
    numbers = [c.company.corporate_number for c in drafts]
    existing = {c.corporate_number: c for c in Company.objects.filter(is_demo=True, corporate_number__in=numbers)}
    new_drafts = [d for d in drafts if d.company.corporate_number not in existing]
    new = [
        (
            Company(
                corporate_number=d.company.corporate_number,
                name=d.company.name,
                prefecture=organizations[d.company.prefecture_code],
                industry=d.company.industry,
                sme_category=d.company.sme_category,
                employees=d.company.employees,
                capital=d.company.capital,
                registered_by=organizations[d.referrer_code or "jpo"],
                is_demo=True,
            ),
            d.company.tags,
        )
        for d in new_drafts
    ]
    created = actions.load_companies(companies=new, actor_label=ACTOR_LABEL, plan_id=plan.pk)
    summary.companies = len(created)
    return {**existing, **{c.corporate_number: c for c in created}}


def _case(draft: CaseDraft, company: Company, organizations: dict[str, Organization]) -> SupportCase:
    current = draft.history[-1]
    strategy, acted, growth, ip_used = draft.outcomes
    return SupportCase(
        company=company,
        fiscal_year=draft.fiscal_year,
        origin=draft.origin,
        referred_by=organizations.get(draft.referrer_code),
        support_team=organizations[draft.team_code],
        stage=current.stage,
        stage_entered_at=_entered_at(len(draft.history) - 1, current),
        stage_due_date=default_due_date(current.stage, current.on),
        opened_on=draft.history[0].on,
        closed_on=draft.closed_on,
        hearing_notes=draft.hearing_notes,
        actions_agreed=draft.actions_agreed,
        follow_up_results=draft.follow_up_results,
        followed_up_on=draft.followed_up_on,
        outcome_ip_in_strategy=strategy,
        outcome_acted_on=acted,
        outcome_business_growth=growth,
        outcome_ip_acquired_or_used=ip_used,
        is_demo=True,
    )


def _loaded(draft: CaseDraft, case: SupportCase) -> actions.LoadedCase:
    changes = [
        StageChange(
            from_stage=draft.history[i - 1].stage if i else "",
            to_stage=entry.stage,
            at=_entered_at(i, entry),
            due_date=default_due_date(entry.stage, entry.on),
            note=entry.note,
        )
        for i, entry in enumerate(draft.history)
    ]
    issues = [CaseIssue(category=category, description=text) for category, text in draft.issues]
    experts = [
        ExpertSupport(
            kind=e.kind,
            expert_type=e.expert_type,
            hours=e.hours,
            start_date=e.start_date,
            end_date=e.end_date,
            status=e.status,
        )
        for e in draft.experts
    ]
    return actions.LoadedCase(case, changes, issues, experts)


def _write_cases(
    drafts: list[CaseDraft],
    companies: dict[str, Company],
    organizations: dict[str, Organization],
    plan: Plan,
    summary: CasesDemoSummary,
) -> dict[int, SupportCase]:
    """The cases not there yet, with their history, issues and expert supports; by index in `drafts`."""
    rows = SupportCase.objects.filter(is_demo=True).values_list("company__corporate_number", "fiscal_year", "pk")
    existing = {(number, year): pk for number, year, pk in rows}
    todo = [(i, d) for i, d in enumerate(drafts) if (d.company.corporate_number, d.fiscal_year) not in existing]
    loaded = [_loaded(d, _case(d, companies[d.company.corporate_number], organizations)) for _i, d in todo]
    cases = actions.load_cases(cases=loaded, actor_label=ACTOR_LABEL, plan_id=plan.pk)
    for case in cases:
        summary.cases[case.stage] += 1
    by_index = {i: case for (i, _d), case in zip(todo, cases, strict=True)}
    wanted = {
        existing[(d.company.corporate_number, d.fiscal_year)]: i for i, d in enumerate(drafts) if i not in by_index
    }
    for case in SupportCase.objects.filter(pk__in=list(wanted)):
        by_index[wanted[case.pk]] = case
    return by_index


def _write_model_cases(
    drafts: list[CaseDraft], cases: dict[int, SupportCase], plan: Plan, summary: CasesDemoSummary
) -> None:
    approver = get_user_model().objects.filter(username=JPO_APPROVER).first()
    hosts = {i: d for i, d in enumerate(drafts) if d.model_case is not None}
    started = set(ModelCase.objects.filter(case__in=[cases[i] for i in hosts]).values_list("case_id", flat=True))
    for i, draft in hosts.items():
        case, spec = cases[i], draft.model_case
        if case.pk in started or spec is None:
            continue
        model_case = _model_case(case, spec, draft, approver)
        load_model_case(model_case=model_case, actor=None, actor_label=ACTOR_LABEL, plan_id=plan.pk)
        summary.model_cases += 1


def _model_case(case: SupportCase, spec: ModelCaseSpec, draft: CaseDraft, approver: Any) -> ModelCase:
    assert draft.closed_on is not None
    consented = spec.status != ModelCaseStatus.DRAFT
    published = spec.status == ModelCaseStatus.PUBLISHED
    consent_date = draft.closed_on + datetime.timedelta(days=30)
    approved_at = _at(consent_date + datetime.timedelta(days=21), 15) if published else None
    return ModelCase(
        case=case,
        title=spec.title,
        summary=spec.summary,
        industry=case.company.industry,
        region=case.company.prefecture,
        issue_categories=list(spec.categories),
        consent_recorded=consented,
        consent_date=consent_date if consented else None,
        consent_note=f"{DEMO}公開についての同意書（架空）を受領" if consented else "",
        status=spec.status,
        approved_by=approver if published else None,
        approved_at=approved_at,
        published_at=approved_at + datetime.timedelta(days=7) if approved_at else None,
    )


def _organizations() -> dict[str, Organization]:
    codes = {"jpo", "inpit", *REFERRERS, *(f"pref-{n:02d}" for n in range(1, 48))}
    organizations = Organization.objects.in_bulk(list(codes), field_name="code")
    missing = sorted(codes - set(organizations))
    if missing:
        raise ValueError(
            f"関係主体が登録されていません（先に setup_reference を実行してください）: {', '.join(missing)}"
        )
    return organizations


@transaction.atomic
def load_cases_demo(plan: Plan, today: datetime.date) -> CasesDemoSummary:
    """Load the demo companies, cases and model cases (idempotent), then recompute the plan's case-based KPIs."""
    summary = CasesDemoSummary()
    drafts = demo_cases()
    organizations = _organizations()
    companies = _write_companies(drafts, organizations, plan, summary)
    cases = _write_cases(drafts, companies, organizations, plan, summary)
    _write_model_cases(drafts, cases, plan, summary)
    _retire_typed_demo_actuals(plan)
    recompute_plan(plan, actor=None, today=today)
    return summary


def _retire_typed_demo_actuals(plan: Plan) -> None:
    """Remove demo figures typed in for KPIs now counted from cases (left by an older demo load), so that
    the counted whole-year figures do not sit beside stale demo halves."""
    stale = Actual.objects.filter(kpi__plan=plan, source=ActualSource.DEMO).exclude(kpi__counting_rule="")
    delete_rows(rows=list(stale.select_related("kpi")), actor=None, actor_label=ACTOR_LABEL)
