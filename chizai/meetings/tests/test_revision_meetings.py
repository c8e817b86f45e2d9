"""Reporting a KPI revision at a liaison meeting (地域連絡会議): the meeting is recorded, and only its block's.

Moved from chizai/kpis/tests/test_revisions.py: the KPI app's tests do not import the meetings app.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from chizai.kpis.actions import propose_revision, report_revision
from chizai.kpis.models import Kpi, KpiRevision, Target
from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import text_of
from chizai.meetings.models import LiaisonMeeting

views_today = fx.views_today
views_data = fx.views_data

pytestmark = pytest.mark.django_db

OLD_NAME = "東京都 知財経営支援を受けた中小企業数"
NEW_NAME = "東京都 知財経営支援により知財戦略を策定した中小企業数"
VISION = "東京都産業振興ビジョンの改定（令和6年3月）により、支援の重点を知財戦略の策定に移したため。"


@pytest.fixture
def tokyo_kpi(make_kpi):
    """東京都's regional KPI: 30件 a year, with actuals of 33 (2023) and 36 (2024)."""
    return make_kpi(name=OLD_NAME, targets={2023: 30, 2024: 30, 2025: 30}, actuals={"2023": 33, "2024": 36})


def targets_of(kpi: Kpi) -> dict[int, Decimal]:
    return {t.start_year: t.value for t in Target.objects.filter(kpi=kpi)}


def propose(kpi: Kpi, actor) -> KpiRevision:
    return propose_revision(
        kpi=kpi,
        effective_year=2024,
        new_name=NEW_NAME,
        new_baseline_value=None,
        new_targets={2024: Decimal(40), 2025: Decimal(45)},
        vision_change=VISION,
        actor=actor,
    )


def meeting_of(bureau, plan, title: str = "関東地域知財支援連絡会議") -> LiaisonMeeting:
    return LiaisonMeeting.objects.create(
        bureau=bureau, plan=plan, fiscal_year=2024, title=title, held_on=datetime.date(2024, 7, 10)
    )


def test_it_records_the_liaison_meeting_that_the_revision_was_reported_at(tokyo_kpi, tokyo_editor, kanto_reviewer, org):
    meeting = meeting_of(org("bureau-kanto"), tokyo_kpi.plan)

    report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=kanto_reviewer, meeting=meeting)

    assert KpiRevision.objects.get().meeting == meeting


def test_it_refuses_a_meeting_of_another_block(tokyo_kpi, tokyo_editor, jpo_admin, org):
    meeting = meeting_of(org("bureau-kinki"), tokyo_kpi.plan, title="近畿地域知財支援連絡会議")

    with pytest.raises(ValidationError) as raised:
        report_revision(revision=propose(tokyo_kpi, tokyo_editor), actor=jpo_admin, meeting=meeting)

    assert raised.value.messages == ["この見直しは関東ブロックの地域連絡会議で報告してください。"]
    assert targets_of(tokyo_kpi)[2024] == 30


def test_it_links_the_liaison_meeting_a_revision_was_reported_at(
    client, login, views_data, tokyo_editor, kanto_reviewer, org
):
    meeting = LiaisonMeeting.objects.create(
        bureau=org("bureau-kanto"),
        plan=views_data.plan3,
        fiscal_year=2024,
        title="令和6年度 関東地域連絡会議",
        held_on="2024-07-10",
    )
    revision = propose_revision(
        kpi=views_data.tokyo,
        effective_year=2024,
        new_name="東京都 知財戦略を策定した中小企業数",
        new_baseline_value=None,
        new_targets={2024: Decimal(14), 2025: Decimal(18)},
        vision_change="東京都産業振興ビジョンの改定により、知財戦略の策定支援に重点を移したため。",
        actor=tokyo_editor,
    )
    report_revision(revision=revision, actor=kanto_reviewer, meeting=meeting)
    login(client, tokyo_editor)

    page = text_of(client.get(reverse("kpis:revision_detail", args=[revision.pk])))

    assert f'href="{reverse("meetings:meeting_detail", args=[meeting.pk])}"' in page
    assert "令和6年度 関東地域連絡会議" in page
