"""The meeting pages through HTTP, for each role: the list, registering, the agenda and record, editing."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from chizai.meetings import actions, views
from chizai.meetings.models import LiaisonMeeting
from chizai.meetings.tests.conftest import AFTER_FY2024, meeting_audits
from chizai.testing import NAVIGATION_QUERIES

pytestmark = pytest.mark.django_db

LIST_URL = reverse("meetings:meeting_list")
CREATE_URL = reverse("meetings:meeting_create")


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr(views, "_today", lambda: AFTER_FY2024)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def detail_url(meeting: LiaisonMeeting) -> str:
    return reverse("meetings:meeting_detail", args=[meeting.pk])


def edit_url(meeting: LiaisonMeeting) -> str:
    return reverse("meetings:meeting_edit", args=[meeting.pk])


# --- the list ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_kanto", "sees_kinki", "may_create"),
    [
        ("jpo_admin", True, True, True),
        ("jpo_viewer", True, True, False),
        ("kanto_reviewer", True, False, True),
        ("tokyo_editor", True, False, False),
        ("tokyo_window_editor", True, False, False),
        ("inpit_editor", True, True, False),
        ("osaka_editor", False, True, False),
        ("kinki_reviewer", False, True, True),
    ],
)
def test_it_lists_the_meetings_each_user_may_see(
    client, login, request, kanto_meeting, kinki_meeting, who, sees_kanto, sees_kinki, may_create
):
    login(client, request.getfixturevalue(who))

    page = text(client.get(LIST_URL))

    assert ("令和6年度 関東地域連絡会議" in page) is sees_kanto
    assert ("令和6年度 近畿地域連絡会議" in page) is sees_kinki
    assert ("会議を登録" in page) is may_create


def test_it_shows_the_date_in_wareki_and_filters_by_fiscal_year(client, login, jpo_admin, kanto_meeting):
    login(client, jpo_admin)

    page = text(client.get(LIST_URL))
    assert "2024年7月10日 令和6年7月10日" in page  # one date rule: 西暦 as 2024年7月10日, 和暦 beside it

    assert "関東地域連絡会議" in text(client.get(LIST_URL, {"year": 2024}))
    other = text(client.get(LIST_URL, {"year": 2025}))
    assert "関東地域連絡会議" not in other and "2025年度（令和7年度）に表示できる地域連絡会議はありません。" in other


def test_it_sends_anonymous_users_to_the_login_page(client, kanto_meeting):
    for url in (LIST_URL, CREATE_URL, detail_url(kanto_meeting), edit_url(kanto_meeting)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_lists_meetings_in_a_fixed_number_of_queries(
    client, login, jpo_admin, org, kanto_meeting, kinki_meeting, django_assert_max_num_queries
):
    login(client, jpo_admin)
    with django_assert_max_num_queries(6 + NAVIGATION_QUERIES):
        client.get(LIST_URL)
    for index in range(5):
        actions.add_decision(meeting=kinki_meeting, text=f"決定{index}", actor=jpo_admin)
    for code in ("bureau-tohoku", "bureau-chubu", "bureau-kyushu"):
        actions.create_meeting(
            bureau=org(code),
            plan=kanto_meeting.plan,
            fiscal_year=2025,
            kind="regular",
            title=f"{code} 会議",
            held_on=datetime.date(2025, 7, 1),
            venue="",
            actor=jpo_admin,
        )
    with django_assert_max_num_queries(6 + NAVIGATION_QUERIES):
        client.get(LIST_URL)


# --- registering ------------------------------------------------------------------------------------------


def _new_meeting(**overrides):
    data = {
        "bureau": "",
        "plan": "",
        "fiscal_year": 2024,
        "kind": "regular",
        "held_on": "2024/07/10",
        "title": "",
        "venue": "さいたま新都心合同庁舎",
    }
    return {**data, **overrides}


def test_it_registers_a_meeting_of_the_reviewers_own_block(client, login, kanto_reviewer, plan3, org):
    login(client, kanto_reviewer)
    form = client.get(CREATE_URL).content.decode()
    assert "関東ブロック（関東局）" in form and "近畿ブロック" not in form

    response = client.post(CREATE_URL, _new_meeting(bureau=org("bureau-kanto").pk, plan=plan3.pk))

    meeting = LiaisonMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(meeting)
    assert meeting.title == "令和6年度 関東地域・中小企業の知財支援に係る地域連絡会議"
    assert meeting.attendances.count() == 3 + 11 + 11
    page = text(client.get(response["Location"]))
    assert f"「{meeting.title}」を登録しました。" in page
    assert meeting_audits(meeting, "meetings.meeting.created").get().actor == kanto_reviewer


def test_it_refuses_another_blocks_bureau_in_the_form(client, login, kanto_reviewer, plan3, org):
    login(client, kanto_reviewer)

    response = client.post(CREATE_URL, _new_meeting(bureau=org("bureau-kinki").pk, plan=plan3.pk))

    assert response.status_code == 200 and not LiaisonMeeting.objects.exists()
    assert "正しく選択してください" in text(response)


def test_it_explains_a_fiscal_year_outside_the_plan(client, login, jpo_admin, plan2, plan3, org):
    login(client, jpo_admin)

    response = client.post(CREATE_URL, _new_meeting(bureau=org("bureau-kinki").pk, plan=plan3.pk, fiscal_year=2021))

    assert "年度は計画期間（2023～2025年度）の中から選んでください。" in text(response)
    assert not LiaisonMeeting.objects.exists()


@pytest.mark.parametrize("who", ["tokyo_editor", "osaka_editor", "jpo_viewer", "inpit_editor"])
def test_it_refuses_the_registration_page_to_non_reviewers(client, login, request, plan3, org, who):
    login(client, request.getfixturevalue(who))

    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, _new_meeting(bureau=org("bureau-kanto").pk, plan=plan3.pk)).status_code == 403
    assert not LiaisonMeeting.objects.exists()


def test_it_lets_jpo_register_a_meeting_for_any_block(client, login, jpo_admin, plan3, org):
    login(client, jpo_admin)

    response = client.post(
        CREATE_URL, _new_meeting(bureau=org("bureau-kinki").pk, plan=plan3.pk, kind="extraordinary", title="臨時会議")
    )

    assert response.status_code == 302
    meeting = LiaisonMeeting.objects.get()
    assert (meeting.bureau.code, meeting.kind, meeting.title) == ("bureau-kinki", "extraordinary", "臨時会議")


# --- the meeting page -------------------------------------------------------------------------------------


@pytest.fixture
def agenda_data(kanto_meeting, regional_kpi, make_revision, make_evaluation):
    tokyo = regional_kpi("pref-13", {2024: 10}, {2024: 12}, name="東京都 知財経営支援を受けた中小企業数")
    regional_kpi("pref-14", {2024: 10}, {2024: 5})
    osaka = regional_kpi("pref-27", {2024: 10}, {2024: 12}, name="大阪府の地域KPI")
    return {
        "revision": make_revision(tokyo, new_name="東京都 知財経営支援を受けた中小企業・スタートアップ数"),
        "other_block_revision": make_revision(osaka),
        "practice": make_evaluation(
            "pref-14", 2024, "H1", advanced_practice="金融機関と連携した知財金融の取組", improvements="窓口と連携する"
        ),
        "draft": make_evaluation("pref-13", 2024, "H1", status="draft", advanced_practice="下書き中の先進事例"),
    }


@pytest.mark.parametrize("who", ["jpo_admin", "jpo_viewer", "kanto_reviewer", "tokyo_editor", "tokyo_window_editor"])
def test_it_shows_the_agenda_built_from_the_data_to_the_block_and_jpo(client, login, request, agenda_data, who):
    meeting = LiaisonMeeting.objects.get()
    login(client, request.getfixturevalue(who))

    response = client.get(detail_url(meeting))

    assert response.status_code == 200
    page = text(response)
    assert "開催日 2024年7月10日（令和6年7月10日）" in page
    assert "1. 地域KPIの達成状況" in page
    assert "東京都 1項目 1項目 0項目 0項目 100.0%" in page
    assert "神奈川県 1項目 0項目 1項目 0項目 0.0%" in page
    assert "関東ブロック計 2項目 1項目 1項目 0項目 50.0%" in page
    assert "東京都 知財経営支援を受けた中小企業・スタートアップ数" in page  # the pending revision
    assert "大阪府の地域KPI" not in page
    assert "金融機関と連携した知財金融の取組" in page and "下書き中の先進事例" not in page
    assert "窓口と連携する" in page
    assert "出席 特許庁" in page or "特許庁" in page


@pytest.mark.parametrize("who", ["osaka_editor", "kinki_reviewer"])
def test_it_hides_a_meeting_from_other_blocks(client, login, request, kanto_meeting, who):
    login(client, request.getfixturevalue(who))

    assert client.get(detail_url(kanto_meeting)).status_code == 404
    assert client.get(edit_url(kanto_meeting)).status_code == 404
    assert client.post(detail_url(kanto_meeting), {"form": "decision", "text": "x"}).status_code == 404


def test_it_shows_a_prefecture_the_record_but_no_forms(client, login, tokyo_editor, kanto_meeting):
    login(client, tokyo_editor)

    page = client.get(detail_url(kanto_meeting)).content.decode()

    assert "記録を編集" not in page and 'name="form"' not in page
    assert "決定事項はまだありません。" in page
    assert client.get(edit_url(kanto_meeting)).status_code == 403
    row = kanto_meeting.attendances.get(organization__code="pref-13")
    response = client.post(detail_url(kanto_meeting), {"form": "attendance", f"attended_{row.pk}": ""})
    assert response.status_code == 403
    assert kanto_meeting.attendances.get(pk=row.pk).attended is True


def test_it_links_decisions_to_the_reported_revision_and_the_evaluation(client, login, kanto_reviewer, agenda_data):
    meeting = LiaisonMeeting.objects.get()
    revision, practice = agenda_data["revision"], agenda_data["practice"]
    login(client, kanto_reviewer)
    page = client.get(detail_url(meeting)).content.decode()
    assert f'<option value="{revision.pk}">' in page
    assert f'<option value="{agenda_data["other_block_revision"].pk}">' not in page
    assert f'<option value="{agenda_data["draft"].pk}">' not in page

    response = client.post(
        detail_url(meeting),
        {"form": "decision", "text": "東京都のKPIの見直しを了承した。", "revision": revision.pk, "evaluation": ""},
    )

    assert response.status_code == 302 and response["Location"] == detail_url(meeting) + "#decisions"
    revision.refresh_from_db()
    assert revision.status == "reported" and revision.meeting == meeting
    client.post(
        detail_url(meeting), {"form": "decision", "text": "神奈川県の取組を横展開する。", "evaluation": practice.pk}
    )
    page = client.get(detail_url(meeting)).content.decode()
    assert "関連するKPIの見直しを報告済みとし、適用しました" in page
    assert reverse("kpis:revision_detail", args=[revision.pk]) in page
    assert reverse("pdca:evaluation_detail", args=[practice.pk]) in page
    assert "報告を待っているKPIの見直しはありません。" in text(client.get(detail_url(meeting)))


def test_it_does_not_link_a_prefecture_to_pages_it_may_not_open(client, login, tokyo_editor, jpo_admin, agenda_data):
    meeting = LiaisonMeeting.objects.get()
    practice = agenda_data["practice"]  # 神奈川県's evaluation
    actions.add_decision(meeting=meeting, text="神奈川県の取組を共有した。", evaluation=practice, actor=jpo_admin)
    login(client, tokyo_editor)

    page = client.get(detail_url(meeting)).content.decode()

    assert "金融機関と連携した知財金融の取組" in page  # shared at the meeting …
    assert reverse("pdca:evaluation_detail", args=[practice.pk]) not in page  # … but 神奈川県's page is its own
    assert reverse("kpis:organization_detail", args=["pref-13"]) in page
    assert reverse("kpis:organization_detail", args=["pref-14"]) not in page


def test_it_explains_a_decision_without_text(client, login, kanto_reviewer, kanto_meeting):
    login(client, kanto_reviewer)

    response = client.post(detail_url(kanto_meeting), {"form": "decision", "text": "  "})

    assert response.status_code == 422
    assert "決定事項の内容を記入してください。" in text(response)
    assert not kanto_meeting.decisions.exists()


def test_it_saves_attendance_from_the_checkboxes(client, login, kanto_reviewer, kanto_meeting):
    rows = list(kanto_meeting.attendances.select_related("organization"))
    data = {"form": "attendance"}
    for row in rows:
        if row.organization.code != "pref-14":
            data[f"attended_{row.pk}"] = "on"
        data[f"attendees_{row.pk}"] = "知的財産室長" if row.organization.code == "bureau-kanto" else ""
    login(client, kanto_reviewer)

    response = client.post(detail_url(kanto_meeting), data)

    assert response.status_code == 302 and response["Location"].endswith("#attendance")
    assert list(kanto_meeting.attendances.filter(attended=False).values_list("organization__code", flat=True)) == [
        "pref-14"
    ]
    assert kanto_meeting.attendances.get(organization__code="bureau-kanto").attendees == "知的財産室長"
    assert "出席状況を保存しました（2件を変更）。" in text(client.get(response["Location"]))
    assert meeting_audits(kanto_meeting, "meetings.attendance.updated").count() == 2


def test_it_removes_a_decision(client, login, jpo_admin, kanto_meeting):
    decision = actions.add_decision(meeting=kanto_meeting, text="次回は秋に開催する。", actor=jpo_admin)
    login(client, jpo_admin)

    response = client.post(detail_url(kanto_meeting), {"form": "remove_decision", "decision": decision.pk})

    assert response.status_code == 302 and not kanto_meeting.decisions.exists()
    assert meeting_audits(kanto_meeting, "meetings.decision.deleted").get().actor == jpo_admin


def test_it_builds_the_meeting_page_in_a_fixed_number_of_queries(
    client,
    login,
    kanto_reviewer,
    agenda_data,
    regional_kpi,
    make_revision,
    make_evaluation,
    django_assert_max_num_queries,
):
    meeting = LiaisonMeeting.objects.get()
    login(client, kanto_reviewer)
    actions.add_decision(meeting=meeting, text="共有", evaluation=agenda_data["practice"], actor=kanto_reviewer)
    with django_assert_max_num_queries(17 + NAVIGATION_QUERIES):
        assert client.get(detail_url(meeting)).status_code == 200

    for index, code in enumerate(["pref-08", "pref-09", "pref-10", "pref-11", "pref-12", "pref-19", "pref-20"]):
        make_revision(regional_kpi(code, {2023: 5, 2024: 10}, {2023: 6, 2024: index}))
        regional_kpi(code, {2024: 3}, {"2024H1": 1})
        make_evaluation(code, 2024, "H1", advanced_practice="取組", improvements="改善策")
        actions.add_decision(meeting=meeting, text=f"決定{index}", actor=kanto_reviewer)
    with django_assert_max_num_queries(17 + NAVIGATION_QUERIES):
        assert client.get(detail_url(meeting)).status_code == 200


# --- editing the record -----------------------------------------------------------------------------------


def test_it_saves_the_minutes_venue_and_date(client, login, kanto_reviewer, kanto_meeting):
    login(client, kanto_reviewer)
    form = client.get(edit_url(kanto_meeting)).content.decode()
    assert 'name="version" value="1"' in form

    response = client.post(
        edit_url(kanto_meeting),
        {
            "title": kanto_meeting.title,
            "kind": "regular",
            "held_on": "2024-07-12",
            "venue": "オンライン",
            "minutes": "1. 各県の達成状況を共有した。",
            "version": 1,
        },
    )

    assert response.status_code == 302 and response["Location"] == detail_url(kanto_meeting)
    page = text(client.get(response["Location"]))
    assert "会議の記録を保存しました。" in page and "2024年7月12日（令和6年7月12日）" in page
    assert "1. 各県の達成状況を共有した。" in page
    entry = meeting_audits(kanto_meeting, "meetings.meeting.updated").get()
    assert entry.changes["held_on"] == ["2024-07-10", "2024-07-12"]


def test_it_refuses_minutes_saved_over_someone_elses_with_a_japanese_message(
    client, login, kanto_reviewer, jpo_admin, kanto_meeting
):
    login(client, kanto_reviewer)
    client.get(edit_url(kanto_meeting))
    actions.update_meeting(
        meeting=kanto_meeting, changes={"minutes": "特許庁が記録"}, expected_version=1, actor=jpo_admin
    )

    response = client.post(
        edit_url(kanto_meeting),
        {"title": "関東", "kind": "regular", "held_on": "2024-07-10", "venue": "", "minutes": "局が記録", "version": 1},
    )

    assert response.status_code == 409
    page = text(response)
    assert "他の利用者がこの会議の記録を更新しています" in page
    assert "局が記録" in page and "現在保存されている議事録 " in page and "特許庁が記録" in page
    kanto_meeting.refresh_from_db()
    assert kanto_meeting.minutes == "特許庁が記録" and kanto_meeting.version == 2


def test_it_explains_a_bad_date(client, login, kanto_reviewer, kanto_meeting):
    login(client, kanto_reviewer)

    response = client.post(
        edit_url(kanto_meeting),
        {"title": "関東", "kind": "regular", "held_on": "7月10日", "venue": "", "minutes": "", "version": 1},
    )

    assert response.status_code == 422 and "日付を 2024-07-10 の形で入力してください。" in text(response)


def test_it_lets_jpo_edit_any_meeting(client, login, jpo_admin, kinki_meeting):
    login(client, jpo_admin)

    response = client.post(
        edit_url(kinki_meeting),
        {"title": "近畿", "kind": "regular", "held_on": "2024-08-01", "venue": "", "minutes": "記録", "version": 1},
    )

    assert response.status_code == 302
    kinki_meeting.refresh_from_db()
    assert kinki_meeting.minutes == "記録"


# --- a held meeting keeps its agenda (issue 9, defect 8) ----------------------------------------------------


def agenda_section(response) -> str:
    page = text(response)
    return page[page.index("議題（資料）") : page.index("出席 関係主体")]


def test_it_keeps_a_held_meetings_agenda_as_of_its_date_whatever_the_data_becomes(
    client, login, kanto_reviewer, agenda_data, regional_kpi, make_revision, make_evaluation
):
    meeting = LiaisonMeeting.objects.get()  # held on 2024-07-10
    actions.update_meeting(
        meeting=meeting, changes={"minutes": "各都県の進捗を共有した。"}, expected_version=1, actor=kanto_reviewer
    )
    login(client, kanto_reviewer)
    held = agenda_section(client.get(detail_url(meeting)))

    later = regional_kpi("pref-13", {2024: 5}, {2024: 9}, name="会議の後に登録したKPI")
    make_revision(later, new_name="会議の後に提案した見直し")
    make_evaluation("pref-13", 2024, "H2", advanced_practice="会議の後に共有した取組", improvements="会議の後の改善策")
    actions.add_decision(meeting=meeting, text="了承した。", revision=agenda_data["revision"], actor=kanto_reviewer)
    shown = agenda_section(client.get(detail_url(meeting)))

    assert shown == held
    assert "2024年7月10日時点" in shown and "2025年6月1日時点" not in shown
    assert "東京都 知財経営支援を受けた中小企業・スタートアップ数" in shown  # reported at this meeting: on its agenda
    assert "会議の後に提案した見直し" not in shown and "会議の後に共有した取組" not in shown
    assert "東京都 1項目 0項目 0項目 1項目" in shown  # FY2024 was under way on the meeting's date


def test_it_shows_a_meeting_to_come_the_agenda_of_today(client, login, kanto_reviewer, monkeypatch, plan3, org):
    monkeypatch.setattr(actions, "_today", lambda: AFTER_FY2024)
    meeting = actions.create_meeting(
        bureau=org("bureau-kanto"),
        plan=plan3,
        fiscal_year=2025,
        kind="regular",
        title="令和7年度 関東地域連絡会議",
        held_on=datetime.date(2025, 7, 10),
        venue="",
        actor=kanto_reviewer,
    )
    actions.update_meeting(meeting=meeting, changes={"minutes": "（準備中）"}, expected_version=1, actor=kanto_reviewer)
    login(client, kanto_reviewer)

    shown = agenda_section(client.get(detail_url(meeting)))

    assert "2025年6月1日時点" in shown and "会議の後にデータが変わっても" not in shown
    assert not hasattr(LiaisonMeeting.objects.get(pk=meeting.pk), "agenda_snapshot")


def test_it_refuses_minutes_longer_than_the_limit_in_japanese(client, login, kanto_reviewer, kanto_meeting):
    login(client, kanto_reviewer)

    response = client.post(
        edit_url(kanto_meeting),
        {"title": "関東", "kind": "regular", "held_on": "2024-07-10", "minutes": "あ" * 20001, "version": 1},
    )

    assert response.status_code == 422 and "議事録は20,000文字以内で入力してください。" in text(response)
    kanto_meeting.refresh_from_db()
    assert kanto_meeting.minutes == ""


def test_it_lists_every_year_for_a_year_it_cannot_read(client, login, jpo_admin, kanto_meeting):
    login(client, jpo_admin)

    for year in ("99999999999999999999999", "２０２４", "abc"):
        response = client.get(LIST_URL, {"year": year})
        assert response.status_code == 200 and "関東地域連絡会議" in text(response)
