"""The KPI revision pages (propose, list, detail with report / withdraw), notices, and the KPI page's notes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from chizai.kpis.actions import propose_revision, report_revision
from chizai.kpis.models import Kpi, KpiRevision, Notice, RevisionStatus, Target
from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import TOKYO_KPI_NAME, text_of

views_today = fx.views_today
views_data = fx.views_data
more_regional_kpis = fx.more_regional_kpis

pytestmark = pytest.mark.django_db

NEW_NAME = "東京都 知財戦略を策定した中小企業数"
VISION = "東京都産業振興ビジョンの改定により、知財戦略の策定支援に重点を移したため。"
# Session, user, memberships, the revisions with their KPIs, owners, plans, proposers and meetings (one query),
# the demo-data flag. Not one more per revision.
REVISION_LIST_QUERIES = 7  # with the page count and the bodies of the filter
NOTICE_LIST_QUERIES = 5


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.find("</section>", start)]


def propose_tokyo(views_data, actor, **overrides) -> KpiRevision:
    """東京都's KPI (targets 10, 12, 15): from 2024, 12 → 14 and 15 → 18, with a new wording."""
    arguments = {
        "kpi": views_data.tokyo,
        "effective_year": 2024,
        "new_name": NEW_NAME,
        "new_baseline_value": None,
        "new_targets": {2024: Decimal(14), 2025: Decimal(18)},
        "vision_change": VISION,
        "actor": actor,
    }
    arguments.update(overrides)
    return propose_revision(**arguments)


def propose_core(views_data, jpo_admin) -> KpiRevision:
    core = views_data.kpi(views_data.plan3, "core-model-case-support")
    return propose_revision(
        kpi=core,
        effective_year=2024,
        new_name=core.name,
        new_baseline_value=None,
        new_targets={2024: Decimal(70), 2025: Decimal(70)},
        vision_change="モデル事例の創出を加速するため、支援件数の目標を引き上げる。",
        actor=jpo_admin,
    )


def targets_of(kpi: Kpi) -> dict[int, Decimal]:
    return {t.start_year: t.value for t in Target.objects.filter(kpi=kpi)}


# --- Proposing ----------------------------------------------------------------------------------------------


def test_it_shows_the_proposal_form_prefilled_to_the_owners_editor(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    response = client.get(reverse("kpis:revision_propose", args=[views_data.tokyo.pk]) + "?effective_year=2024")

    assert response.status_code == 200
    page = text_of(response)
    assert f">\n{TOKYO_KPI_NAME}</textarea>" in page
    assert '<option value="2024" selected>2024年度（令和6年度）</option>' in page
    assert re.search(r'name="target_2024" value="12"', page)
    assert re.search(r'name="target_2025" value="15"', page)
    assert 'name="target_2023"' not in page  # years before the effective year keep their targets
    assert "見直しの理由（産業振興ビジョンの改定等）" in page


def test_it_keeps_what_was_typed_when_the_effective_year_is_switched(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = reverse("kpis:revision_propose", args=[views_data.tokyo.pk])

    page = text_of(client.get(url, {"effective_year": "2025", "new_name": NEW_NAME, "vision_change": VISION}))

    assert f">\n{NEW_NAME}</textarea>" in page
    assert f">\n{VISION}</textarea>" in page
    assert 'name="target_2024"' not in page
    assert 'name="target_2025" value="15"' in page


@pytest.mark.parametrize(("user", "status"), [("tokyo_viewer", 403), ("kanto_reviewer", 403), ("osaka_editor", 404)])
def test_it_refuses_the_proposal_form_to_others(client, login, views_data, user, status, request):
    login(client, request.getfixturevalue(user))
    url = reverse("kpis:revision_propose", args=[views_data.tokyo.pk])

    assert client.get(url).status_code == status
    assert client.post(url, {"effective_year": 2024, "new_name": NEW_NAME, "vision_change": VISION}).status_code == (
        status
    )
    assert not KpiRevision.objects.exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client, views_data):
    response = client.get(reverse("kpis:revision_propose", args=[views_data.tokyo.pk]))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_records_a_proposal_posted_by_the_owners_editor(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    form = {
        "effective_year": "2024",
        "new_name": NEW_NAME,
        "target_2024": "14",
        "target_2025": "１８",
        "vision_change": VISION,
    }

    response = client.post(reverse("kpis:revision_propose", args=[views_data.tokyo.pk]), form)

    revision = KpiRevision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("kpis:revision_detail", args=[revision.pk])
    assert revision.target_changes == {"2024": ["12", "14"], "2025": ["15", "18"]}
    assert revision.proposed_by == tokyo_editor
    assert targets_of(views_data.tokyo) == {2023: 10, 2024: 12, 2025: 15}  # not applied until reported


def test_it_explains_a_missing_reason_and_a_missing_target_in_japanese(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    form = {"effective_year": "2024", "new_name": NEW_NAME, "target_2024": "14", "target_2025": "", "vision_change": ""}

    response = client.post(reverse("kpis:revision_propose", args=[views_data.tokyo.pk]), form)

    assert response.status_code == 200
    page = text_of(response)
    assert "見直しの理由（産業振興ビジョンの改定等）を入力してください。" in page
    assert "現在の目標がある年度です。見直し後の目標を入力してください。" in page
    assert not KpiRevision.objects.exists()


def test_it_says_when_a_proposal_changes_nothing(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    form = {
        "effective_year": "2025",
        "new_name": TOKYO_KPI_NAME,
        "target_2025": "15",
        "vision_change": VISION,
    }

    response = client.post(reverse("kpis:revision_propose", args=[views_data.tokyo.pk]), form)

    assert "変更点がありません。指標名・基準値・目標のいずれかを変更してください。" in text_of(response)
    assert not KpiRevision.objects.exists()


# --- The list -----------------------------------------------------------------------------------------------


def test_it_lists_the_revisions_a_user_may_see_pending_first(
    client, login, views_data, tokyo_editor, kanto_reviewer, osaka_editor, jpo_admin
):
    reported = propose_tokyo(views_data, tokyo_editor)
    report_revision(revision=reported, actor=kanto_reviewer)
    propose_tokyo(views_data, tokyo_editor, effective_year=2025, new_targets={2025: Decimal(20)})
    propose_revision(
        kpi=views_data.osaka,
        effective_year=2024,
        new_name="大阪府 知財経営支援件数",
        new_baseline_value=None,
        new_targets={},
        vision_change="大阪府の産業振興ビジョンの改定",
        actor=osaka_editor,
    )
    propose_core(views_data, jpo_admin)

    login(client, tokyo_editor)
    page = text_of(client.get(reverse("kpis:revision_list")))

    rows = [squeeze(r) for r in re.findall(r"<tr>.*?</tr>", page, flags=re.S) if "<td" in r]
    assert len(rows) == 3  # 東京都's two and the central KPI's; not 大阪府's
    assert [r.split(" ")[0] for r in rows] == ["提案中（地域連絡会議で報告予定）"] * 2 + ["報告済み・適用"]
    assert "大阪府" not in page
    assert "令和7年度" in rows[0] or "令和7年度" in rows[1]


def test_it_costs_the_same_queries_for_2_or_12_revisions(
    client, login, views_data, more_regional_kpis, jpo_admin, django_assert_max_num_queries
):
    login(client, jpo_admin)
    url = reverse("kpis:revision_list")
    propose_tokyo(views_data, jpo_admin)
    propose_core(views_data, jpo_admin)
    client.get(url)
    with django_assert_max_num_queries(REVISION_LIST_QUERIES):
        assert client.get(url).status_code == 200

    for kpi in more_regional_kpis(10):
        propose_revision(
            kpi=kpi,
            effective_year=2025,
            new_name=kpi.name,
            new_baseline_value=None,
            new_targets={2025: Decimal(99)},
            vision_change="ビジョン改定",
            actor=jpo_admin,
        )

    with django_assert_max_num_queries(REVISION_LIST_QUERIES):
        response = client.get(url)
    assert len(response.context["paged"].items) == 12


def test_it_filters_the_revisions_by_status_body_and_name_within_what_the_user_sees(
    client, login, views_data, tokyo_editor, kanto_reviewer, osaka_editor, jpo_admin
):
    reported = propose_tokyo(views_data, tokyo_editor)
    report_revision(revision=reported, actor=kanto_reviewer)
    propose_tokyo(views_data, tokyo_editor, effective_year=2025, new_targets={2025: Decimal(20)})
    propose_revision(
        kpi=views_data.osaka,
        effective_year=2024,
        new_name="大阪府 知財経営支援件数",
        new_baseline_value=None,
        new_targets={},
        vision_change="大阪府の産業振興ビジョンの改定",
        actor=osaka_editor,
    )
    url = reverse("kpis:revision_list")

    def listed(query: str) -> list[str]:
        return [revision.kpi.owner.code for revision in client.get(url + query).context["paged"].items]

    login(client, jpo_admin)
    assert listed("?organization=pref-27") == ["pref-27"]
    assert listed("?status=reported") == ["pref-13"]
    assert listed("?q=大阪府 知財経営") == ["pref-27"]
    assert listed("?status=nonsense&organization=pref-13") == ["pref-13", "pref-13"]
    login(client, tokyo_editor)  # a filter never widens: 大阪府's revision stays out of 東京都's reach
    assert "pref-27" not in listed("?organization=pref-27")  # not one of its choices: ignored
    assert listed("?q=大阪府") == []


# --- The detail page: report and withdraw ---------------------------------------------------------------------


def test_it_shows_old_and_new_and_how_a_regional_revision_gets_reported(
    client, login, views_data, tokyo_editor, kanto_reviewer
):
    revision = propose_tokyo(views_data, tokyo_editor)
    login(client, kanto_reviewer)

    page = text_of(client.get(reverse("kpis:revision_detail", args=[revision.pk])))

    content = squeeze(page)
    assert f"{TOKYO_KPI_NAME} → {NEW_NAME}" in content
    assert "2024年度 令和6年度 12社 14社" in content
    assert "2025年度 令和7年度 15社 18社" in content
    assert VISION in content
    assert "関東ブロックの地域連絡会議で報告します" in content
    assert 'value="report"' not in page  # regional revisions are reported from a liaison meeting
    assert 'value="withdraw"' not in page  # the bureau does not withdraw a prefecture's proposal


def test_it_offers_the_proposers_organisation_to_withdraw(client, login, views_data, tokyo_editor):
    revision = propose_tokyo(views_data, tokyo_editor)
    login(client, tokyo_editor)
    url = reverse("kpis:revision_detail", args=[revision.pk])
    assert 'value="withdraw"' in text_of(client.get(url))

    response = client.post(url, {"action": "withdraw"}, follow=True)

    assert "見直しを取り下げました。" in text_of(response)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.WITHDRAWN


@pytest.mark.parametrize("user", ["tokyo_viewer", "kanto_reviewer"])
def test_it_refuses_a_withdrawal_by_others(client, login, views_data, tokyo_editor, user, request):
    revision = propose_tokyo(views_data, tokyo_editor)
    login(client, request.getfixturevalue(user))

    response = client.post(reverse("kpis:revision_detail", args=[revision.pk]), {"action": "withdraw"})

    assert response.status_code == 403
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PROPOSED


def test_it_does_not_report_a_regional_revision_from_its_page(client, login, views_data, tokyo_editor, kanto_reviewer):
    revision = propose_tokyo(views_data, tokyo_editor)
    login(client, kanto_reviewer)

    response = client.post(reverse("kpis:revision_detail", args=[revision.pk]), {"action": "report"}, follow=True)

    assert "地域KPIの見直しは、地域連絡会議の決定事項として報告します。" in text_of(response)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.PROPOSED
    assert targets_of(views_data.tokyo)[2024] == 12


def test_it_hides_a_revision_from_those_who_may_not_see_its_kpi(client, login, views_data, tokyo_editor, osaka_editor):
    revision = propose_tokyo(views_data, tokyo_editor)
    login(client, osaka_editor)

    url = reverse("kpis:revision_detail", args=[revision.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "withdraw"}).status_code == 404


# --- Central KPIs: reported by JPO, announced to every body ---------------------------------------------------


def test_it_lets_jpo_report_a_central_revision_and_every_body_sees_the_notice(
    client, login, views_data, jpo_admin, tokyo_editor, osaka_editor
):
    revision = propose_core(views_data, jpo_admin)
    login(client, jpo_admin)
    url = reverse("kpis:revision_detail", args=[revision.pk])
    assert "報告済みにする（適用）" in text_of(client.get(url))

    response = client.post(url, {"action": "report"}, follow=True)

    assert "全ての関係主体にお知らせを掲載しました" in text_of(response)
    core = views_data.kpi(views_data.plan3, "core-model-case-support")
    assert targets_of(core) == {2023: 60, 2024: 70, 2025: 70}
    notice = Notice.objects.get()
    for user in (tokyo_editor, osaka_editor):
        login(client, user)
        notices = text_of(client.get(reverse("kpis:notice_list")))
        assert notice.title in notices
        assert "2024年度の目標: 60件 → 70件" in notices
        dashboard = text_of(client.get(reverse("kpis:dashboard")))
        assert notice.title in section(dashboard, "notices-heading")
        assert reverse("kpis:notice_list") in section(dashboard, "notices-heading")


@pytest.mark.parametrize("user", ["tokyo_editor", "kanto_reviewer", "jpo_viewer"])
def test_it_refuses_a_central_report_by_anyone_but_a_jpo_reviewer(client, login, views_data, jpo_admin, user, request):
    revision = propose_core(views_data, jpo_admin)
    login(client, request.getfixturevalue(user))
    url = reverse("kpis:revision_detail", args=[revision.pk])
    assert "報告済みにする（適用）" not in text_of(client.get(url))

    assert client.post(url, {"action": "report"}).status_code == 403
    assert not Notice.objects.exists()


def test_it_shows_no_notices_box_when_there_is_no_notice(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    assert 'id="notices-heading"' not in text_of(client.get(reverse("kpis:dashboard")))
    assert "お知らせはありません。" in text_of(client.get(reverse("kpis:notice_list")))


def test_it_costs_the_same_queries_for_1_or_8_notices(
    client, login, views_data, tokyo_editor, django_assert_max_num_queries
):
    login(client, tokyo_editor)
    url = reverse("kpis:notice_list")
    Notice.objects.create(title="お知らせ1", body="本文")
    client.get(url)
    with django_assert_max_num_queries(NOTICE_LIST_QUERIES):
        client.get(url)
    Notice.objects.bulk_create(Notice(title=f"お知らせ{n}", body="本文") for n in range(2, 9))
    with django_assert_max_num_queries(NOTICE_LIST_QUERIES):
        assert text_of(client.get(url)).count('class="notice"') == 8


def test_it_refuses_the_notice_list_to_an_anonymous_visitor(client, views_data):
    assert client.get(reverse("kpis:notice_list")).status_code == 302


# --- The KPI page -----------------------------------------------------------------------------------------------


def test_it_annotates_the_revised_years_on_the_kpi_page(client, login, views_data, tokyo_editor, kanto_reviewer):
    revision = propose_tokyo(views_data, tokyo_editor)
    report_revision(revision=revision, actor=kanto_reviewer)
    login(client, tokyo_editor)

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))

    rows = {squeeze(r).split(" ")[0]: squeeze(r) for r in re.findall(r"<tr>.*?</tr>", section(page, "results"), re.S)}
    assert "目標改定" not in rows["2023年度"]
    assert f"当時の指標名: {TOKYO_KPI_NAME}" in rows["2023年度"]
    assert "14社 令和6年度に目標改定（旧: 12社）" in rows["2024年度"]
    assert "18社 令和6年度に目標改定（旧: 15社）" in rows["2025年度"]
    assert "当時の指標名" not in rows["2024年度"]
    history = section(page, "revisions")
    assert reverse("kpis:revision_detail", args=[revision.pk]) in history
    assert "報告済み・適用" in history
    assert "令和6年度から適用の見直し" in history


def test_it_links_the_proposal_form_for_the_owners_editor_only(client, login, views_data, tokyo_editor, tokyo_viewer):
    propose_url = reverse("kpis:revision_propose", args=[views_data.tokyo.pk])
    kpi_url = reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])

    login(client, tokyo_editor)
    assert propose_url in text_of(client.get(kpi_url))
    login(client, tokyo_viewer)
    page = text_of(client.get(kpi_url))
    assert propose_url not in page
    assert "見直しはありません。" in page


def test_it_refuses_an_overlong_reason_in_japanese(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = reverse("kpis:revision_propose", args=[views_data.tokyo.pk])

    response = client.post(
        url, {"effective_year": 2024, "new_name": NEW_NAME, "vision_change": "あ" * 4001, "target_2024": "14"}
    )

    assert "見直しの理由は4,000文字以内で入力してください。" in text_of(response)
    assert not KpiRevision.objects.exists()
