"""Demo surveys (synthetic, labelled as demo): a follow-up questionnaire with answered, unanswered, reminded and
expired invitations for the demo cases that reached follow-up, an anonymous satisfaction survey, and a
municipality survey answered by most prefectures. Idempotent: nothing is written when the demo exists."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from chizai.cases.counting import recompute_plan
from chizai.cases.models import Stage, SupportCase
from chizai.kpis.actions import save_kpi, save_target
from chizai.kpis.models import KpiKind, Plan, Shape
from chizai.lib.business_days import is_business_day
from chizai.organizations.models import Organization, OrganizationKind
from chizai.surveys import actions, counting
from chizai.surveys.actions import QuestionSpec
from chizai.surveys.models import Audience, QuestionKind, Questionnaire

SEED = 20231114
FOLLOW_UP = "demo-follow-up"
SATISFACTION = "demo-satisfaction"
MUNICIPAL = "demo-municipal"
YES_NO = ("はい", "いいえ")

FOLLOW_UP_QUESTIONS = [
    QuestionSpec(
        "ip_in_strategy", "支援を受けて、知財を経営戦略に位置付けましたか。", QuestionKind.SINGLE, choices=YES_NO
    ),
    QuestionSpec(
        "acted",
        "位置付けた知財戦略に基づいて、具体的な行動を起こしましたか。",
        QuestionKind.SINGLE,
        choices=YES_NO,
        show_if_key="ip_in_strategy",
        show_if_value="はい",
    ),
    QuestionSpec(
        "growth", "支援後、売上や取引の拡大など事業の成長がありましたか。", QuestionKind.SINGLE, choices=YES_NO
    ),
    QuestionSpec("ip_used", "支援後、知財を取得または活用しましたか。", QuestionKind.SINGLE, choices=YES_NO),
    QuestionSpec(
        "impressions",
        "ハンズオン支援の感想に当てはまるものを選んでください（複数可）。",
        QuestionKind.MULTIPLE,
        choices=(
            "悩み・課題の解決につながった",
            "これまでに無かった気づきを得られた",
            "社内の知財意識が高まった",
            "期待したほどではなかった",
        ),
    ),
    QuestionSpec("comment", "ご意見・ご要望があればお書きください。", QuestionKind.TEXT, required=False),
]
SATISFACTION_QUESTIONS = [
    QuestionSpec("overall", "ハンズオン支援全体に満足していますか。", QuestionKind.SCALE),
    QuestionSpec("recommend", "他の企業にも勧めたいと思いますか。", QuestionKind.SCALE),
]
MUNICIPAL_QUESTIONS = [
    QuestionSpec(
        "benefits",
        "地域KPIを設定することのメリットを選んでください（複数可）。",
        QuestionKind.MULTIPLE,
        choices=(
            "数値目標があることで取組が進む",
            "支援機関との連携意識が向上した",
            "知財に対する取組の継続性が担保される",
            "特にメリットはない",
        ),
    ),
    QuestionSpec("ripple", "地域KPIの達成は、産業振興ビジョンに波及効果がありましたか。", QuestionKind.SCALE),
    QuestionSpec("comment", "自由意見", QuestionKind.TEXT, required=False),
]
COMMENTS = ("営業の場で権利をアピールできるようになった（デモ）", "社内に知財担当を置いた（デモ）", "")
MUNICIPAL_COMMENTS = (
    "支援機関と目標を共有でき、連携会議の議題が具体的になった（デモ）",
    "産業振興ビジョンの改定時に知財の取組を位置付けた（デモ）",
    "数値目標の設定が難しい分野がある（デモ）",
    "",
)


@dataclass
class SurveysDemoSummary:
    questionnaires: int = 0
    invitations: dict[str, int] = field(default_factory=dict)


def _questionnaire(code: str, title: str, audience: str, questions: list[QuestionSpec], **kw: Any) -> Questionnaire:
    made = actions.create_questionnaire(
        code=code, title=f"{title}（デモ）", audience=audience, questions=questions, actor=None, is_demo=True, **kw
    )
    return actions.send_questionnaire(questionnaire=made, actor=None)


def _answers(rng: random.Random) -> dict[str, Any]:
    strategy = rng.random() < 0.7
    answers: dict[str, Any] = {
        "ip_in_strategy": "はい" if strategy else "いいえ",
        "growth": rng.choice(YES_NO),
        "ip_used": "はい" if rng.random() < 0.6 else "いいえ",
        "impressions": rng.sample(FOLLOW_UP_QUESTIONS[4].choices[:3], k=rng.randint(1, 2)),
        "comment": rng.choice(COMMENTS),
    }
    if strategy:
        answers["acted"] = "はい" if rng.random() < 0.75 else "いいえ"
    return answers


def _last_business_day(day: datetime.date) -> datetime.date:
    while not is_business_day(day):
        day -= datetime.timedelta(days=1)
    return day


@transaction.atomic
def load_surveys_demo(plan: Plan, today: datetime.date) -> SurveysDemoSummary:
    summary = SurveysDemoSummary()
    if Questionnaire.objects.filter(code=FOLLOW_UP).exists():
        return summary
    rng = random.Random(SEED)
    now = timezone.now()
    follow_up = _questionnaire(FOLLOW_UP, "ハンズオン支援 フォローアップ調査", Audience.COMPANY, FOLLOW_UP_QUESTIONS)
    satisfaction = _questionnaire(
        SATISFACTION, "ハンズオン支援 満足度調査（匿名）", Audience.COMPANY, SATISFACTION_QUESTIONS, anonymous=True
    )
    municipal = _questionnaire(MUNICIPAL, "地域KPIに関する自治体アンケート", Audience.MUNICIPALITY, MUNICIPAL_QUESTIONS)
    summary.questionnaires = 3
    counts = {"answered": 0, "unanswered": 0, "reminded": 0, "expired": 0}
    cases = SupportCase.objects.filter(is_demo=True, stage__in=[Stage.FOLLOW_UP, Stage.CLOSED]).order_by("pk")
    for n, case in enumerate(cases.select_related("company__prefecture__bureau")):
        fate = "answered" if n % 5 < 3 else ("unanswered", "reminded", "expired")[n % 3]
        valid_days = 1 if fate == "expired" else 60
        sent = now - datetime.timedelta(days=20 if fate != "expired" else 40)
        invitation, token = actions.invite_case(
            questionnaire=follow_up,
            case=case,
            email=f"contact{case.pk}@example.jp",
            actor=None,
            valid_days=valid_days,
            now=sent,
        )
        if fate == "answered":
            actions.submit_answers(token=token, raw=_answers(rng), now=sent + datetime.timedelta(days=3))
        elif fate == "reminded":
            actions.record_reminder(invitation=invitation, today=_last_business_day(today), now=now)
        counts[fate] += 1
        anonymous, anonymous_token = actions.invite_case(
            questionnaire=satisfaction, case=case, email=f"contact{case.pk}@example.jp", actor=None, now=sent
        )
        if fate == "answered":
            scores = {"overall": str(rng.choice((3, 4, 4, 5, 5))), "recommend": str(rng.choice((3, 4, 5)))}
            actions.submit_answers(token=anonymous_token, raw=scores, now=sent + datetime.timedelta(days=4))
    year = today.year if today.month >= 4 else today.year - 1
    for n, prefecture in enumerate(Organization.objects.prefectures()):
        invitation, token = actions.invite_organization(
            questionnaire=municipal,
            organization=prefecture,
            fiscal_year=year - 1,
            email=f"chizai-pref{prefecture.jis_code}@example.lg.jp",
            actor=None,
            now=now - datetime.timedelta(days=30),
        )
        if n % 6:
            benefits = rng.sample(MUNICIPAL_QUESTIONS[0].choices[:3], k=rng.randint(1, 3))
            raw = {"benefits": benefits, "ripple": str(rng.choice((3, 4, 4, 5))), "comment": MUNICIPAL_COMMENTS[n % 4]}
            actions.submit_answers(token=token, raw=raw, now=now - datetime.timedelta(days=10))
    summary.invitations = counts
    _survey_kpis(plan)
    return summary


# Demo KPIs counted from the demo follow-up survey's answers, so the dashboard shows a figure with its response rate.
SURVEY_KPIS = (
    ("survey-effect-demo", counting.IpStrategyActedShare.name, "%", Shape.RATIO, KpiKind.EFFECT, Decimal(60)),
    ("survey-growth-ip-demo", counting.GrowthAndIpUsed.name, "社", Shape.PER_PERIOD, KpiKind.EFFECT, None),
)


def _survey_kpis(plan: Plan) -> None:
    owner = Organization.objects.filter(kind=OrganizationKind.JPO).order_by("pk").first()
    if owner is None:
        return
    for n, (code, rule, unit, shape, kind, target) in enumerate(SURVEY_KPIS):
        label = next(r.label for r in counting.SURVEY_RULES if r.name == rule)
        values = {
            "kind": kind,
            "name": f"（デモ）{label}",
            "owner": owner,
            "unit": unit,
            "shape": shape,
            "counting_rule": rule,
            "sort_order": 900 + n,
            "description": "デモ用のフォローアップ調査（架空）の回答から集計します。回答率を実績の横に示します。",
        }
        kpi, _counts = save_kpi(plan=plan, code=code, values=values, actor=None)
        for year in plan.fiscal_years if target is not None else ():
            save_target(
                kpi=kpi, start_year=year, end_year=year, value=target, note="以上", expected_version=None, actor=None
            )
    recompute_plan(plan, actor=None)
