"""The writes of a meeting: permission-checked, transactional and audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chizai.kpis.actions import ConflictError
from chizai.kpis.models import KpiRevision, Target
from chizai.meetings import actions
from chizai.meetings.models import AgendaSnapshot, Decision, LiaisonMeeting
from chizai.meetings.tests.conftest import meeting_audits

pytestmark = pytest.mark.django_db

KANTO_PREFECTURES = ["pref-08", "pref-09", "pref-10", "pref-11", "pref-12", "pref-13"]
KANTO_PREFECTURES += ["pref-14", "pref-15", "pref-19", "pref-20", "pref-22"]


def test_it_invites_jpo_the_bureau_inpit_and_the_blocks_prefectures_and_windows(kanto_meeting, kanto_reviewer):
    codes = list(kanto_meeting.attendances.order_by("pk").values_list("organization__code", flat=True))

    windows = [code.replace("pref", "window") for code in KANTO_PREFECTURES]
    assert codes == ["jpo", "bureau-kanto", "inpit", *KANTO_PREFECTURES, *windows]
    assert kanto_meeting.attendances.filter(attended=False).count() == 0
    entry = meeting_audits(kanto_meeting, "meetings.meeting.created").get()
    assert entry.actor == kanto_reviewer and entry.object_id == str(kanto_meeting.pk)
    assert entry.changes["title"] == [None, "令和6年度 関東地域連絡会議"]
    assert "pref-13" in entry.changes["attendance"][1]


@pytest.mark.parametrize("who", ["tokyo_editor", "kinki_reviewer", "jpo_viewer"])
def test_it_refuses_to_register_a_meeting_for_anyone_but_the_bureau_or_jpo_reviewers(request, plan3, org, who):
    with pytest.raises(PermissionDenied):
        actions.create_meeting(
            bureau=org("bureau-kanto"),
            plan=plan3,
            fiscal_year=2024,
            kind="regular",
            title="関東",
            held_on=datetime.date(2024, 7, 1),
            venue="",
            actor=request.getfixturevalue(who),
        )


def test_it_refuses_a_fiscal_year_outside_the_plan(plan3, org, jpo_admin):
    with pytest.raises(ValidationError, match="計画期間"):
        actions.create_meeting(
            bureau=org("bureau-kanto"),
            plan=plan3,
            fiscal_year=2022,
            kind="regular",
            title="関東",
            held_on=datetime.date(2022, 7, 1),
            venue="",
            actor=jpo_admin,
        )


def test_it_saves_the_minutes_and_counts_the_version(kanto_meeting, kanto_reviewer):
    saved = actions.update_meeting(
        meeting=kanto_meeting,
        changes={"minutes": "  各県から取組状況を報告。  ", "venue": "オンライン"},
        expected_version=1,
        actor=kanto_reviewer,
    )

    assert saved.minutes == "各県から取組状況を報告。" and saved.venue == "オンライン" and saved.version == 2
    entry = meeting_audits(kanto_meeting, "meetings.meeting.updated").get()
    assert entry.changes == {
        "minutes": ["", "各県から取組状況を報告。"],
        "venue": ["さいたま新都心合同庁舎", "オンライン"],
    }


def test_it_refuses_minutes_saved_over_someone_elses(kanto_meeting, kanto_reviewer, jpo_admin):
    actions.update_meeting(meeting=kanto_meeting, changes={"minutes": "先の記録"}, expected_version=1, actor=jpo_admin)

    with pytest.raises(ConflictError, match="他の利用者がこの会議の記録を更新しています"):
        actions.update_meeting(
            meeting=kanto_meeting, changes={"minutes": "後の記録"}, expected_version=1, actor=kanto_reviewer
        )

    kanto_meeting.refresh_from_db()
    assert kanto_meeting.minutes == "先の記録"


def test_it_records_attendance_and_audits_each_changed_row(kanto_meeting, kanto_reviewer):
    kanagawa = kanto_meeting.attendances.get(organization__code="pref-14")
    tokyo = kanto_meeting.attendances.get(organization__code="pref-13")

    changed = actions.set_attendance(
        meeting=kanto_meeting,
        attendance={kanagawa.pk: (False, ""), tokyo.pk: (True, "産業労働局 知財担当課長")},
        actor=kanto_reviewer,
    )

    assert {row.pk for row in changed} == {kanagawa.pk, tokyo.pk}
    kanagawa.refresh_from_db()
    assert kanagawa.attended is False
    entries = meeting_audits(kanto_meeting, "meetings.attendance.updated")
    assert entries.count() == 2
    assert entries.get(object_id=str(kanagawa.pk)).changes == {"attended": [True, False]}


def test_it_refuses_attendance_changes_by_a_prefecture(kanto_meeting, tokyo_editor):
    row = kanto_meeting.attendances.get(organization__code="pref-13")
    with pytest.raises(PermissionDenied):
        actions.set_attendance(meeting=kanto_meeting, attendance={row.pk: (False, "")}, actor=tokyo_editor)


def test_it_reports_and_applies_a_revision_linked_to_a_decision(
    kanto_meeting, regional_kpi, make_revision, kanto_reviewer
):
    kpi = regional_kpi("pref-13", {2024: 10})
    revision = make_revision(kpi, effective_year=2025, new_target=15, new_name="東京都 知財支援を受けた企業数（改定）")

    decision = actions.add_decision(
        meeting=kanto_meeting, text="東京都のKPIの見直しを了承した。", revision=revision, actor=kanto_reviewer
    )

    revision.refresh_from_db()
    assert revision.status == "reported" and revision.meeting == kanto_meeting
    assert Target.objects.get(kpi=kpi, start_year=2025).value == Decimal(15)
    kpi.refresh_from_db()
    assert kpi.name == "東京都 知財支援を受けた企業数（改定）"
    assert decision.sort_order == 1 and decision.revision == revision
    entry = meeting_audits(kanto_meeting, "meetings.decision.created").get()
    assert entry.kpi_id == kpi.pk and entry.changes["text"] == [None, "東京都のKPIの見直しを了承した。"]


def test_it_refuses_to_report_another_blocks_revision(kanto_meeting, regional_kpi, make_revision, jpo_admin):
    revision = make_revision(regional_kpi("pref-27", {2024: 10}))

    with pytest.raises(ValidationError, match="報告できません"):
        actions.add_decision(meeting=kanto_meeting, text="大阪府の見直し", revision=revision, actor=jpo_admin)

    assert not Decision.objects.exists()
    assert KpiRevision.objects.get(pk=revision.pk).status == "proposed"


def test_it_refuses_to_link_a_draft_evaluation(kanto_meeting, make_evaluation, kanto_reviewer):
    draft = make_evaluation("pref-13", 2024, "H1", status="draft")

    with pytest.raises(ValidationError, match="関連付けられません"):
        actions.add_decision(meeting=kanto_meeting, text="改善策", evaluation=draft, actor=kanto_reviewer)


def test_it_numbers_decisions_and_removes_one_with_an_audit_entry(kanto_meeting, make_evaluation, jpo_admin):
    evaluation = make_evaluation("pref-14", 2024, "H1", improvements="窓口と連携する")
    first = actions.add_decision(meeting=kanto_meeting, text="次回は秋に開催する。", actor=jpo_admin)
    second = actions.add_decision(
        meeting=kanto_meeting, text="神奈川県の改善策を共有した。", evaluation=evaluation, actor=jpo_admin
    )
    assert (first.sort_order, second.sort_order) == (1, 2)

    actions.remove_decision(decision=first, actor=jpo_admin)

    assert list(kanto_meeting.decisions.all()) == [second]
    entry = meeting_audits(kanto_meeting, "meetings.decision.deleted").get()
    assert entry.changes["text"] == ["次回は秋に開催する。", None]


def test_it_refuses_decisions_by_a_prefecture(kanto_meeting, tokyo_editor):
    with pytest.raises(PermissionDenied):
        actions.add_decision(meeting=kanto_meeting, text="勝手な決定", actor=tokyo_editor)


def test_it_refuses_minutes_and_decisions_longer_than_their_limits(kanto_meeting, kanto_reviewer):
    with pytest.raises(ValidationError, match="議事録は20,000文字以内で入力してください"):
        actions.update_meeting(
            meeting=kanto_meeting, changes={"minutes": "あ" * 20001}, expected_version=1, actor=kanto_reviewer
        )
    with pytest.raises(ValidationError, match="決定事項は4,000文字以内で入力してください"):
        actions.add_decision(meeting=kanto_meeting, text="あ" * 4001, actor=kanto_reviewer)

    kanto_meeting.refresh_from_db()
    assert kanto_meeting.minutes == "" and not kanto_meeting.decisions.exists()


def test_it_keeps_the_agenda_once_when_the_minutes_of_a_held_meeting_are_recorded(
    kanto_meeting, kanto_reviewer, regional_kpi, make_revision
):
    revision = make_revision(regional_kpi("pref-13", {2024: 10}))
    actions.add_decision(meeting=kanto_meeting, text="了承した。", revision=revision, actor=kanto_reviewer)

    actions.update_meeting(meeting=kanto_meeting, changes={"minutes": "記録"}, expected_version=1, actor=kanto_reviewer)
    actions.update_meeting(
        meeting=kanto_meeting, changes={"minutes": "記録2"}, expected_version=2, actor=kanto_reviewer
    )

    snapshot = AgendaSnapshot.objects.get(meeting=kanto_meeting)
    assert snapshot.as_of == kanto_meeting.held_on
    assert [row["pk"] for row in snapshot.content["pending_revisions"]] == [revision.pk]  # reported here: discussed
    assert meeting_audits(kanto_meeting, "meetings.agenda.frozen").get().actor == kanto_reviewer
    assert actions.freeze_agenda(meeting=kanto_meeting, actor=kanto_reviewer) is None


def test_it_deletes_a_meeting_auditing_every_row_it_removes(kanto_meeting, jpo_admin):
    actions.add_decision(meeting=kanto_meeting, text="次回は秋に開催する。", actor=jpo_admin)
    invited = kanto_meeting.attendances.count()

    actions.delete_meeting(meeting=kanto_meeting, actor=jpo_admin)

    assert not LiaisonMeeting.objects.filter(pk=kanto_meeting.pk).exists()
    assert meeting_audits(kanto_meeting, "meetings.attendance.deleted").count() == invited
    assert meeting_audits(kanto_meeting, "meetings.decision.deleted").count() == 1
    assert meeting_audits(kanto_meeting, "meetings.meeting.deleted").count() == 1
