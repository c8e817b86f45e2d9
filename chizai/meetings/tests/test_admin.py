"""The admin pages of meetings, attendance and decisions: they load, and every change made there is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chizai.meetings import actions
from chizai.meetings.tests.conftest import meeting_audits

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["liaisonmeeting", "attendance", "decision"])
def test_it_lists_each_model_in_the_admin(admin_client, kanto_meeting, jpo_admin, model):
    actions.add_decision(meeting=kanto_meeting, text="次回は秋に開催する。", actor=jpo_admin)

    response = admin_client.get(reverse(f"admin:meetings_{model}_changelist"))

    assert response.status_code == 200


def test_it_audits_a_meeting_changed_in_the_admin(admin_client, kanto_meeting):
    url = reverse("admin:meetings_liaisonmeeting_change", args=[kanto_meeting.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "bureau": kanto_meeting.bureau_id,
        "plan": kanto_meeting.plan_id,
        "fiscal_year": 2024,
        "kind": "regular",
        "title": kanto_meeting.title,
        "held_on": "2024-07-10",
        "venue": "オンライン",
        "minutes": "",
        "attendances-TOTAL_FORMS": 0,
        "attendances-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302
    kanto_meeting.refresh_from_db()
    assert kanto_meeting.venue == "オンライン" and kanto_meeting.version == 2
    entry = meeting_audits(kanto_meeting, "meetings.meeting.updated").get()
    assert entry.reason == "管理画面" and entry.changes == {"venue": ["さいたま新都心合同庁舎", "オンライン"]}


def test_it_adds_decisions_only_on_the_meeting_page(admin_client):
    assert admin_client.get(reverse("admin:meetings_decision_add")).status_code == 403


def test_it_audits_attendance_deleted_in_the_admin(admin_client, kanto_meeting):
    row = kanto_meeting.attendances.get(organization__code="window-13")
    url = reverse("admin:meetings_attendance_delete", args=[row.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302 and not kanto_meeting.attendances.filter(pk=row.pk).exists()
    entry = meeting_audits(kanto_meeting, "meetings.attendance.deleted").get()
    assert entry.changes["organization"] == ["window-13", None]


def test_it_deletes_a_meeting_in_the_admin_through_the_writer(admin_client, kanto_meeting):
    url = reverse("admin:meetings_liaisonmeeting_delete", args=[kanto_meeting.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert meeting_audits(kanto_meeting, "meetings.meeting.deleted").get().reason == "管理画面"
    assert meeting_audits(kanto_meeting, "meetings.attendance.deleted").count() == 25
