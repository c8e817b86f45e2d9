"""Demo self-evaluations (架空のデモ自己評価) of the demo prefectures, in every state of the PDCA cycle.

A new user should find the whole cycle on their first visit: FY2023 accepted, FY2024 上期 accepted with one
reopened, and FY2024 下期 waiting at every step (submitted, confirmed by the bureau, returned, being written,
accepted, not started). Every evaluation is written and moved by the real actions (`chizai.pdca.actions`) as
the cast users and a few demo users (an editor per prefecture, a reviewer per bureau), so the workflow rules
and the audit log are exercised exactly as in use. Loading is idempotent: an organisation that already has
an evaluation for a half year is left alone. The texts are fixed and marked 【デモ】.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from chizai.audit.context import current_request_id, new_request_id
from chizai.audit.log import log
from chizai.kpis.demo import ACTOR_LABEL, DEMO_CODE_PREFIX
from chizai.kpis.models import Kpi, KpiKind, Plan
from chizai.lib.fiscal import Half
from chizai.organizations.demo_users import CAST_PASSWORD, demo_member
from chizai.organizations.models import Organization, Role
from chizai.pdca import actions
from chizai.pdca.compilation import NOT_STARTED, STATUS_COLUMNS
from chizai.pdca.models import Rating, ReportingPeriod, SelfEvaluation, Status
from chizai.pdca.table import evaluation_rows

JPO_ACTOR = "jpo_admin"
CAST_EDITORS = {"pref-13": "tokyo_editor", "pref-14": "kanagawa_editor", "pref-27": "osaka_editor"}
CAST_REVIEWERS = {"bureau-kanto": "kanto_reviewer", "bureau-kinki": "kinki_reviewer"}

H1, H2 = Half.FIRST.value, Half.SECOND.value
HALF_YEARS = ((2023, H1), (2023, H2), (2024, H1), (2024, H2))

# The demo's own end states besides the statuses: returned by JPO after the bureau confirmed it; returned once
# by the bureau, corrected and resubmitted before acceptance; never started (未着手).
RETURNED_BY_JPO = "returned_by_jpo"
RESUBMITTED = "resubmitted"

# Where each demo prefecture's evaluation ends up in each half year (by prefecture code); absent means accepted.
STATES: dict[tuple[int, str], dict[str, str]] = {
    (2023, H1): {"pref-13": RESUBMITTED},
    (2024, H1): {"pref-23": Status.REOPENED},
    (2024, H2): {
        "pref-04": Status.REVIEWED,
        "pref-13": Status.SUBMITTED,
        "pref-14": Status.RETURNED,
        "pref-15": Status.DRAFT,
        "pref-26": Status.SUBMITTED,
        "pref-27": Status.REVIEWED,
        "pref-34": RETURNED_BY_JPO,
        "pref-37": NOT_STARTED,
        "pref-47": Status.DRAFT,
    },
}

# The workflow steps that lead to each end state.
PATHS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (),
    Status.SUBMITTED: ("submit",),
    Status.RETURNED: ("submit", "bureau_return"),
    Status.REVIEWED: ("submit", "review"),
    RETURNED_BY_JPO: ("submit", "review", "jpo_return"),
    Status.ACCEPTED: ("submit", "review", "accept"),
    Status.REOPENED: ("submit", "review", "accept", "reopen"),
    RESUBMITTED: ("submit", "first_return", "correct", "submit", "review", "accept"),
}

# Comments of the reviewers and the reason of the reopening.
REVIEW_COMMENT = "【デモ】内容を確認しました。特許庁へ回付します。"
ACCEPT_COMMENT = "【デモ】受理します。地域連絡会議の資料に反映します。"
BUREAU_RETURN = "【デモ】「課題」欄に、目標に届かなかった指標の要因分析を追記してください。"
JPO_RETURN = "【デモ】地域KPIの実績値の集計方法（対象期間・計上基準）を「取組状況」に追記してください。"
FIRST_RETURN = "【デモ】「今後の取組・改善策」を、次の半期に実施する具体的な取組として記入してください。"
CORRECTION = "【デモ】次の半期は、セミナー参加企業を月10社訪問し、窓口の専門家による個別相談につなげる。"
REOPEN_REASON = (
    "【デモ】愛知県から、知財を活用した新商品開発件数の集計漏れ（2件）の連絡があったため、"
    "実績値を修正できるよう再開します。"
)

ACTIVITIES = (
    "【デモ】{period}は、{kpi}の目標に向けて、知財総合支援窓口の専門家と合同で重点業種の企業を訪問した。"
    "あわせて県内3地域で知財セミナーを開催し、参加企業への個別相談につなげた。",
    "【デモ】{period}は、{kpi}に関する取組として、よろず支援拠点・商工会議所と連携した相談会を開催した。"
    "支援機関の担当者向けに知財の基礎研修も実施した。",
    "【デモ】{period}は、{kpi}について、地域金融機関と連携した企業の掘り起こしを進めた。"
    "有望な企業を特許庁のハンズオン支援に紹介した。",
)
ISSUES = (
    "【デモ】セミナー参加後に具体的な相談へ進む企業が限られている。フォローアップの担い手が不足している。",
    "【デモ】支援機関ごとに相談記録の様式が異なり、実績の集計に時間がかかっている。",
    "【デモ】地域の中核企業以外への周知が十分でなく、支援の対象が一部の業種に偏っている。",
)
IMPROVEMENTS = (
    "【デモ】セミナー参加企業に窓口の専門家が1か月以内に連絡する仕組みを設ける。",
    "【デモ】支援機関と相談記録の共通様式を定め、四半期ごとに実績を突き合わせる。",
    "【デモ】商工会・金融機関の会報を通じて、これまで接点の少なかった業種に支援策を周知する。",
)
FOLLOWUP = "【デモ】前回の改善策に沿って取組を進めた。{detail}"
FOLLOWUP_DETAILS = (
    "連絡体制は整ったが、定着には次の半期も継続が必要である。",
    "支援機関との打合せを2回開催し、共通様式の案を作成した。",
    "会報への掲載により、新たな業種から相談が寄せられた。",
)
# Advanced practices shared at the liaison meetings (地域連絡会議), by prefecture.
ADVANCED_PRACTICES = {
    "pref-13": "【デモ】都の知財活用補助金の採択企業に、窓口の専門家が採択直後から伴走する仕組みを導入した。",
    "pref-14": "【デモ】県内の信用金庫と協定を結び、融資先企業の知財の棚卸しを無償で支援している。",
    "pref-23": "【デモ】自動車部品メーカーの事業転換を、知財の観点から支援する研究会を立ち上げた。",
    "pref-27": "【デモ】大学発ベンチャーと府内の中小企業をつなぐ知財マッチング会を年4回開催している。",
    "pref-40": "【デモ】半導体関連企業の集積を生かし、営業秘密管理の研修を業界団体と共同で実施した。",
}
OVERRIDE_REASON = "【デモ】下期に大型案件の支援が始まっており、年度末に向けて実績の上積みが見込めるため。"
# Evaluations whose first KPI below its target is rated one step above the suggestion (目安), with a reason.
OVERRIDES = {(2023, H2, "pref-13"), (2024, H2, "pref-27")}
ONE_STEP_UP: dict[str, str] = {Rating.C: Rating.B, Rating.D: Rating.C}


@dataclass
class PdcaDemoSummary:
    """What one load added: evaluations by the state they reached, and the demo users created."""

    created: Counter[str] = field(default_factory=Counter)
    users_created: list[str] = field(default_factory=list)

    def line(self) -> str:
        total = sum(self.created.values())
        if not total and not self.users_created:
            return "自己評価（デモ）: 追加 0件（変更なし）"
        states = "・".join(f"{label} {self.created[key]}件" for key, label in STATUS_COLUMNS if self.created[key])
        users = f"、デモ用の編集者・審査者 {len(self.users_created)}名を追加" if self.users_created else ""
        return f"自己評価（デモ）: 追加 {total}件" + (f"（{states}）" if states else "") + users


class Actors:
    """Who acts for an organisation: the cast member where the cast has one, else a demo user (created once)."""

    def __init__(self, summary: PdcaDemoSummary) -> None:
        self.summary = summary
        self.users: dict[str, Any] = {}
        self.hashed = ""

    def editor(self, prefecture: Organization) -> Any:
        cast = CAST_EDITORS.get(prefecture.code)
        return (
            self._cast(cast) if cast else self._demo(f"demo_pref{prefecture.jis_code}_editor", prefecture, Role.EDITOR)
        )

    def reviewer(self, bureau: Organization) -> Any:
        cast = CAST_REVIEWERS.get(bureau.code)
        name = f"demo_{bureau.code.removeprefix('bureau-')}_reviewer"
        return self._cast(cast) if cast else self._demo(name, bureau, Role.REVIEWER)

    def jpo(self) -> Any:
        return self._cast(JPO_ACTOR)

    def _cast(self, username: str) -> Any:
        if username not in self.users:
            self.users[username] = get_user_model().objects.get(username=username)
        return self.users[username]

    def _demo(self, username: str, organization: Organization, role: str) -> Any:
        if username in self.users:
            return self.users[username]
        user, created = demo_member(
            username=username, organization=organization, role=role, password_hash=self._password_hash
        )
        if created:
            self.summary.users_created.append(username)
        self.users[username] = user
        return user

    def _password_hash(self) -> str:
        self.hashed = self.hashed or make_password(CAST_PASSWORD)  # hashing is deliberately slow: once
        return self.hashed


@dataclass(frozen=True)
class Scenario:
    """One demo evaluation to write: whose, for which half year, in which wording, and who acts on it."""

    prefecture: Organization
    period: ReportingPeriod
    variant: int
    kpi_names: list[str]
    actors: Actors
    today: datetime.date

    @property
    def editor(self) -> Any:
        return self.actors.editor(self.prefecture)

    @property
    def reviewer(self) -> Any:
        assert self.prefecture.bureau is not None
        return self.actors.reviewer(self.prefecture.bureau)


def _texts(scenario: Scenario, evaluation: SelfEvaluation) -> dict[str, str]:
    variant, period = scenario.variant, scenario.period
    kpi = scenario.kpi_names[variant % len(scenario.kpi_names)] if scenario.kpi_names else "地域KPI"
    texts = {
        "activities": ACTIVITIES[variant % 3].format(period=period.short_label, kpi=kpi),
        "issues": ISSUES[variant % 3],
        "improvements": IMPROVEMENTS[variant % 3],
        "advanced_practice": ADVANCED_PRACTICES.get(scenario.prefecture.code, "") if period.fiscal_year == 2024 else "",
    }
    if evaluation.previous_improvements:
        texts["previous_followup"] = FOLLOWUP.format(detail=FOLLOWUP_DETAILS[(variant + 2) % 3])
    return texts


def _ratings(scenario: Scenario, evaluation: SelfEvaluation) -> dict[int, tuple[str, str]]:
    """For a few evaluations, the first KPI below its target rated one step above the suggestion, with why."""
    period = scenario.period
    if (period.fiscal_year, period.half, scenario.prefecture.code) not in OVERRIDES:
        return {}
    for row in evaluation_rows(evaluation, scenario.today):
        if row.suggested in ONE_STEP_UP:
            return {row.kpi.pk: (ONE_STEP_UP[row.suggested], OVERRIDE_REASON)}
    return {}


def _write(scenario: Scenario, evaluation: SelfEvaluation) -> SelfEvaluation:
    return actions.save_evaluation(
        evaluation=evaluation,
        texts=_texts(scenario, evaluation),
        ratings=_ratings(scenario, evaluation),
        expected_version=evaluation.version,
        actor=scenario.editor,
    )


def _correct(scenario: Scenario, evaluation: SelfEvaluation) -> SelfEvaluation:
    return actions.save_evaluation(
        evaluation=evaluation,
        texts={"improvements": CORRECTION},
        ratings={},
        expected_version=evaluation.version,
        actor=scenario.editor,
    )


Step = Callable[[Scenario, SelfEvaluation], SelfEvaluation]

STEPS: dict[str, Step] = {
    "submit": lambda w, e: actions.submit_evaluation(evaluation=e, actor=w.editor, today=w.today),
    "first_return": lambda w, e: actions.return_evaluation(evaluation=e, actor=w.reviewer, comment=FIRST_RETURN),
    "correct": _correct,
    "bureau_return": lambda w, e: actions.return_evaluation(evaluation=e, actor=w.reviewer, comment=BUREAU_RETURN),
    "review": lambda w, e: actions.review_evaluation(evaluation=e, actor=w.reviewer, comment=REVIEW_COMMENT),
    "jpo_return": lambda w, e: actions.return_evaluation(evaluation=e, actor=w.actors.jpo(), comment=JPO_RETURN),
    "accept": lambda w, e: actions.accept_evaluation(evaluation=e, actor=w.actors.jpo(), comment=ACCEPT_COMMENT),
    "reopen": lambda w, e: actions.reopen_evaluation(evaluation=e, actor=w.actors.jpo(), reason=REOPEN_REASON),
}


def _evaluate(scenario: Scenario, state: str) -> SelfEvaluation:
    """Write the evaluation as the prefecture's editor and move it along the workflow to its end state."""
    evaluation = actions.start_evaluation(
        period=scenario.period, organization=scenario.prefecture, actor=scenario.editor
    )
    evaluation = _write(scenario, evaluation)
    for step in PATHS[state]:
        evaluation = STEPS[step](scenario, evaluation)
    return evaluation


def _demo_prefectures(plan: Plan) -> dict[Organization, list[str]]:
    """The prefectures with demo regional KPIs in the plan, with their KPI names, in JIS order."""
    kpis = (
        Kpi.objects.filter(plan=plan, code__startswith=DEMO_CODE_PREFIX, kind=KpiKind.REGIONAL)
        .select_related("owner", "owner__bureau")
        .order_by("owner__jis_code", "sort_order", "pk")
    )
    prefectures: dict[Organization, list[str]] = {}
    for kpi in kpis:
        prefectures.setdefault(kpi.owner, []).append(kpi.name)
    return prefectures


@transaction.atomic
def load_pdca_demo(plan: Plan, today: datetime.date) -> PdcaDemoSummary:
    """Demo self-evaluations of the demo prefectures for FY2023–2024 in every state; idempotent.

    Needs the demo KPIs and their actuals first (acceptance snapshots and locks the figures).
    """
    summary = PdcaDemoSummary()
    actors = Actors(summary)
    periods = {(p.fiscal_year, p.half): p for p in actions.ensure_periods(plan)}
    prefectures = _demo_prefectures(plan)
    done = set(
        SelfEvaluation.objects.filter(period__plan=plan, organization__in=list(prefectures)).values_list(
            "period__fiscal_year", "period__half", "organization_id"
        )
    )
    token = current_request_id.set(current_request_id.get() or new_request_id())
    try:
        for index, (year, half) in enumerate(HALF_YEARS):
            for number, (prefecture, kpi_names) in enumerate(prefectures.items()):
                state = STATES.get((year, half), {}).get(prefecture.code, Status.ACCEPTED)
                if state == NOT_STARTED or (year, half, prefecture.pk) in done:
                    continue
                scenario = Scenario(prefecture, periods[(year, half)], index + number, kpi_names, actors, today)
                summary.created[_evaluate(scenario, state).status] += 1
        _audit(plan, summary)
    finally:
        current_request_id.reset(token)
    return summary


def _audit(plan: Plan, summary: PdcaDemoSummary) -> None:
    """One entry saying the demo loader wrote these evaluations (the actions audited each step as its actor)."""
    if summary.created:
        after = {"evaluations": sum(summary.created.values()), "users": len(summary.users_created)}
        log(None, "pdca.demo.loaded", plan, None, after, plan_id=plan.pk, actor_label=ACTOR_LABEL)
