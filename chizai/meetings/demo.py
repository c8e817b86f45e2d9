"""Synthetic demo liaison meetings (架空): one 関東 meeting that reports a revision, one pending revision."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from chizai.kpis.actions import propose_revision
from chizai.kpis.models import Kpi, KpiRevision, Plan
from chizai.meetings.actions import add_decision, create_meeting, update_meeting
from chizai.meetings.models import LiaisonMeeting
from chizai.organizations.models import Organization

MEETING_TITLE = "【デモ】令和6年度 関東地域 地域・中小企業の知財支援に係る地域連絡会議"


def _user(username: str) -> AbstractBaseUser:
    return get_user_model().objects.get(username=username)


def load_meetings_demo(plan: Plan) -> int:
    """Idempotent: returns the number of meetings created (0 when the demo meeting exists)."""
    if LiaisonMeeting.objects.filter(plan=plan, title=MEETING_TITLE).exists():
        return 0
    tokyo_kpi = Kpi.objects.filter(plan=plan, code="demo-r13-2").first()
    kanagawa_kpi = Kpi.objects.filter(plan=plan, code="demo-r14-1").first()
    if tokyo_kpi is None or kanagawa_kpi is None:
        return 0
    tokyo, kanagawa, reviewer = _user("tokyo_editor"), _user("kanagawa_editor"), _user("kanto_reviewer")
    reported = _propose(
        tokyo_kpi, tokyo, "【デモ】東京都産業振興ビジョンの改定（令和7年3月）で補助金の対象を拡大したため。"
    )
    _propose(kanagawa_kpi, kanagawa, "【デモ】かながわ産業振興ビジョンの中間見直しで重点分野を追加したため。")
    meeting = create_meeting(
        bureau=Organization.objects.get(code="bureau-kanto"),
        plan=plan,
        fiscal_year=2024,
        kind="regular",
        title=MEETING_TITLE,
        held_on=datetime.date(2025, 2, 14),
        venue="【デモ】さいたま新都心合同庁舎",
        actor=reviewer,
    )
    update_meeting(
        meeting=meeting,
        changes={
            "minutes": "【デモ】各都県の地域KPIの進捗と先進的な取組を共有した。東京都から地域KPIの見直しが報告された。"
        },
        expected_version=meeting.version,
        actor=reviewer,
    )
    add_decision(
        meeting=meeting,
        text="【デモ】東京都の地域KPIの見直しを了承し、令和7年度から適用する。",
        revision=reported,
        actor=reviewer,
    )
    return 1


def _propose(kpi: Kpi, actor: AbstractBaseUser, reason: str) -> KpiRevision:
    targets = {t.start_year: t.value for t in kpi.targets.all() if t.start_year >= 2025}
    return propose_revision(
        kpi=kpi,
        effective_year=2025,
        new_name=kpi.name,
        new_baseline_value=kpi.baseline_value,
        new_targets={year: value + Decimal(1) for year, value in targets.items()},
        vision_change=reason,
        actor=actor,
    )
