"""The demo liaison meeting (held 2025/2/14) shows the agenda it discussed, as of its date (issue 9, defect 8)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from chizai.kpis.planfile import load_plan_file
from chizai.meetings.demo import MEETING_TITLE
from chizai.meetings.models import AgendaSnapshot, LiaisonMeeting

PLAN_3 = Path(__file__).resolve().parents[3] / "plans" / "3rd_regional_ip_action_plan.yaml"

pytestmark = pytest.mark.django_db


def test_it_shows_the_demo_meetings_agenda_as_of_the_day_it_was_held(client: Any, login: Any, kanto_reviewer: Any):
    load_plan_file(PLAN_3)
    call_command("load_demo", stdout=StringIO())
    meeting = LiaisonMeeting.objects.get(title=MEETING_TITLE)

    login(client, kanto_reviewer)
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()

    assert AgendaSnapshot.objects.get(meeting=meeting).as_of.isoformat() == "2025-02-14"
    assert "2025年2月14日時点" in page
    assert "【デモ】東京都産業振興ビジョンの改定" in page  # the revision it reported stays on its agenda
