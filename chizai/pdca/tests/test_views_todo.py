from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.kpis.models import Plan
from chizai.organizations.models import Organization, OrganizationKind
from chizai.pdca import views_todo
from chizai.pdca.actions import (
    ensure_periods,
    return_evaluation,
    review_evaluation,
    start_evaluation,
    submit_evaluation,
)
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status, Transition
from chizai.testing import NAVIGATION_QUERIES

pytestmark = pytest.mark.django_db

URL = reverse("pdca:todo")
AFTER_DUE = date(2026, 11, 2)  # 上期 FY2026 was due on 2026-10-30
BEFORE_DUE = date(2026, 10, 23)


@pytest.fixture
def period():
    plan = Plan.objects.create(number=91, name="テスト計画", first_fiscal_year=2026, last_fiscal_year=2026)
    ensure_periods(plan)
    return ReportingPeriod.objects.select_related("plan").get(plan=plan, half="H1")


@pytest.fixture
def on(monkeypatch):
    """`on(day)`: the page is looked at on that day."""

    def set_today(day):
        monkeypatch.setattr(views_todo, "localdate", lambda: day)

    set_today(AFTER_DUE)
    return set_today


def submitted(period, editor, code, org):
    evaluation = start_evaluation(period=period, organization=org(code), actor=editor)
    evaluation.activities = "相談窓口を周知した。"
    evaluation.save()
    return submit_evaluation(evaluation=evaluation, actor=editor, today=BEFORE_DUE)


@pytest.fixture
def workflow(
    period, org, tokyo_editor, osaka_editor, kanagawa_editor, inpit_editor, tokyo_window_editor, kanto_reviewer
):
    """東京・大阪 submitted, 神奈川 confirmed by 関東局, INPIT submitted (no bureau), 東京の窓口 returned."""
    tokyo = submitted(period, tokyo_editor, "pref-13", org)
    osaka = submitted(period, osaka_editor, "pref-27", org)
    kanagawa = review_evaluation(
        evaluation=submitted(period, kanagawa_editor, "pref-14", org), actor=kanto_reviewer, comment="確認しました。"
    )
    inpit = submitted(period, inpit_editor, "inpit", org)
    window = return_evaluation(
        evaluation=submitted(period, tokyo_window_editor, "window-13", org),
        actor=kanto_reviewer,
        comment="相談件数の内訳を記入してください。",
    )
    return {"tokyo": tokyo, "osaka": osaka, "kanagawa": kanagawa, "inpit": inpit, "window": window}


def get_todo(client, login, user):
    response = login(client, user).get(URL)
    assert response.status_code == 200
    return response


def names(evaluations):
    return {e.organization.code for e in evaluations}


def overdue_codes(response):
    return {
        row.organization.code
        for section in response.context["overdue_sections"]
        for _, rows in section["groups"]
        for row in rows
    }


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_kanto_reviewer_the_submissions_of_its_block(client, login, kanto_reviewer, workflow, on):
    response = get_todo(client, login, kanto_reviewer)
    assert names(response.context["waiting"]) == {"pref-13"}
    detail = reverse("pdca:evaluation_detail", args=[workflow["tokyo"].pk])
    assert f'href="{detail}"' in response.content.decode()
    assert "局の確認を待っている自己評価" in response.content.decode()


def test_it_shows_the_kinki_reviewer_osaka_and_not_tokyo(client, login, kinki_reviewer, workflow, on):
    response = get_todo(client, login, kinki_reviewer)
    assert names(response.context["waiting"]) == {"pref-27"}
    assert names(response.context["returned"]) == set()
    assert reverse("pdca:evaluation_detail", args=[workflow["tokyo"].pk]) not in response.content.decode()


def test_it_shows_the_bureau_the_returned_reports_of_its_block_with_the_comment(
    client, login, kanto_reviewer, workflow, on
):
    response = get_todo(client, login, kanto_reviewer)
    assert names(response.context["returned"]) == {"window-13"}
    assert "相談件数の内訳を記入してください。" in response.content.decode()


def test_it_shows_the_bureau_the_late_bodies_of_its_block_only(client, login, kanto_reviewer, workflow, on):
    response = get_todo(client, login, kanto_reviewer)
    late = overdue_codes(response)
    assert {"pref-08", "window-08", "window-13"} <= late  # 茨城 not started; 東京の窓口 returned
    assert not {"pref-13", "pref-14"} & late  # handed in
    assert not {"pref-27", "pref-01", "inpit"} & late  # other blocks, central bodies
    assert "茨城県" in response.content.decode()


def test_it_lists_a_late_draft_without_opening_it_to_the_bureau(client, login, kanto_reviewer, period, org, on):
    draft = SelfEvaluation.objects.create(period=period, organization=org("pref-08"))
    response = get_todo(client, login, kanto_reviewer)
    assert "pref-08" in overdue_codes(response)
    assert "作成中" in response.content.decode()
    assert reverse("pdca:evaluation_detail", args=[draft.pk]) not in response.content.decode()


def test_it_shows_no_late_bodies_before_the_due_date(client, login, kanto_reviewer, workflow, on):
    on(BEFORE_DUE)
    response = get_todo(client, login, kanto_reviewer)
    assert overdue_codes(response) == set()


def test_it_shows_jpo_the_confirmed_and_the_central_evaluations_to_accept(client, login, jpo_admin, workflow, on):
    response = get_todo(client, login, jpo_admin)
    assert names(response.context["waiting"]) == {"pref-14", "inpit"}
    assert "受理を待っている自己評価" in response.content.decode()


def test_it_shows_jpo_every_returned_evaluation(client, login, jpo_admin, workflow, on):
    response = get_todo(client, login, jpo_admin)
    assert names(response.context["returned"]) == {"window-13"}


def test_it_shows_jpo_the_late_bodies_of_the_whole_country_by_block(client, login, jpo_admin, workflow, on):
    response = get_todo(client, login, jpo_admin)
    [section] = response.context["overdue_sections"]
    groups = dict(section["groups"])
    assert list(groups)[:3] == ["北海道ブロック", "東北ブロック", "関東ブロック"]
    assert {row.organization.code for row in groups["近畿ブロック"]} >= {"pref-26", "window-27"}
    assert "pref-27" not in {row.organization.code for row in groups["近畿ブロック"]}
    assert section["count"] == 94 - 3  # every prefecture and window but the three that handed in
    assert "近畿ブロック" in response.content.decode()


def test_it_shows_jpo_no_reviewer_queue_items_still_at_the_bureau(client, login, jpo_admin, workflow, on):
    response = get_todo(client, login, jpo_admin)
    assert "pref-13" not in names(response.context["waiting"])


def test_it_shows_the_editor_the_own_evaluation_with_due_date_and_days_left(client, login, tokyo_editor, period, on):
    on(BEFORE_DUE)
    response = get_todo(client, login, tokyo_editor)
    [row] = response.context["own_deadlines"]
    assert row.organization.code == "pref-13"
    assert row.status_label == "未着手"
    page = response.content.decode()
    assert "2026年10月30日（金）" in page
    assert "残り5営業日" in page
    assert "局の確認を待っている" not in page
    assert "受理を待っている" not in page


def test_it_shows_the_editor_a_returned_evaluation_with_the_comment(client, login, tokyo_window_editor, workflow, on):
    response = get_todo(client, login, tokyo_window_editor)
    assert names(response.context["own_returned"]) == {"window-13"}
    [row] = response.context["own_deadlines"]
    assert row.overdue
    page = response.content.decode()
    assert "相談件数の内訳を記入してください。" in page
    assert reverse("pdca:evaluation_detail", args=[workflow["window"].pk]) in page
    assert "期限超過" in page


def test_it_links_the_editor_to_the_submitted_evaluation(client, login, tokyo_editor, workflow, on):
    response = get_todo(client, login, tokyo_editor)
    [row] = response.context["own_deadlines"]
    assert row.evaluation == workflow["tokyo"]
    assert not row.overdue
    assert reverse("pdca:evaluation_detail", args=[workflow["tokyo"].pk]) in response.content.decode()


def test_it_shows_the_viewer_no_reviewer_or_editor_sections(client, login, tokyo_viewer, workflow, on):
    response = get_todo(client, login, tokyo_viewer)
    assert not response.context["is_reviewer"]
    assert not response.context["is_editor"]
    page = response.content.decode()
    assert "待っている自己評価" not in page
    assert "提出期限を過ぎた関係主体" not in page
    assert "対応が必要な項目はありません" in page


def _fill(period, count, first=()):
    """`count` more submitted, confirmed and returned evaluations across the country (`first` ones first)."""
    prefectures = sorted(
        Organization.objects.filter(kind=OrganizationKind.PREFECTURE, self_evaluations__isnull=True),
        key=lambda o: (o.code not in first, o.pk),
    )
    for i, organization in enumerate(prefectures[:count]):
        status = (Status.SUBMITTED, Status.REVIEWED, Status.RETURNED)[i % 3]
        evaluation = SelfEvaluation.objects.create(period=period, organization=organization, status=status)
        if status == Status.RETURNED:
            Transition.objects.create(
                evaluation=evaluation, from_status=Status.SUBMITTED, to_status=status, comment="追記してください。"
            )


@pytest.mark.parametrize("username", ["jpo_admin", "kanto_reviewer", "tokyo_editor"])
def test_it_reads_the_page_in_a_fixed_number_of_queries(client, login, period, on, username, django_user_model):
    user = django_user_model.objects.get(username=username)
    login(client, user)
    _fill(period, 3, first=("pref-13", "pref-14", "pref-27"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _fill(period, 30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 12 + NAVIGATION_QUERIES


def test_a_kept_menu_announces_a_return_at_once(
    client, login, period, org, tokyo_editor, kanto_reviewer, on, fragment_cache
):
    evaluation = submitted(period, tokyo_editor, "pref-13", org)
    login(client, tokyo_editor)
    assert "差し戻された自己評価" not in client.get(reverse("kpis:dashboard")).content.decode()

    return_evaluation(evaluation=evaluation, actor=kanto_reviewer, comment="相談件数の内訳を記入してください。")

    page = client.get(reverse("kpis:dashboard")).content.decode()
    assert "差し戻された自己評価が<strong>1件</strong>" in page
