"""The compilation (取りまとめ) of a half year: a bureau sees its block, JPO the nation, prefectures nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chizai.kpis.achievement import ItemsMet
from chizai.kpis.figures import refresh as refresh_figures
from chizai.kpis.models import Actual, Kpi, KpiKind, Plan, Target
from chizai.lib.fiscal import Half
from chizai.organizations.models import Organization, OrganizationKind
from chizai.pdca.compilation import compile_period
from chizai.pdca.models import ReportingPeriod, SelfEvaluation, Status

AFTER_FY2023 = datetime.date(2024, 6, 1)
KANTO_PREFECTURES = ["08", "09", "10", "11", "12", "13", "14", "15", "19", "20", "22"]


@pytest.fixture
def plan(db: None) -> Plan:
    return Plan.objects.create(number=90, name="テスト計画", first_fiscal_year=2023, last_fiscal_year=2025)


@pytest.fixture
def period(plan: Plan) -> ReportingPeriod:
    return ReportingPeriod.objects.create(
        plan=plan, fiscal_year=2023, half=Half.SECOND, due_date=datetime.date(2024, 4, 30)
    )


@pytest.fixture
def regional_kpi(plan: Plan, org: Callable[[str], Organization]) -> Callable[..., Kpi]:
    """`regional_kpi(owner, target, actual)`: a regional KPI with its FY2023 target and actual."""

    def make(owner: str, target: int, actual: int, name: str = "") -> Kpi:
        number = Kpi.objects.count() + 1
        kpi = Kpi.objects.create(
            plan=plan,
            code=f"test-{number}",
            name=name or f"テスト指標{number}",
            kind=KpiKind.REGIONAL,
            owner=org(owner),
            unit="件",
            sort_order=number,
        )
        Target.objects.create(kpi=kpi, start_year=2023, end_year=2023, value=Decimal(target))
        Actual.objects.create(kpi=kpi, start_year=2023, end_year=2023, value=Decimal(actual))
        refresh_figures([kpi])  # rows made behind the writers' back: store their figures as the writers would
        return kpi

    return make


@pytest.fixture
def evaluation(period: ReportingPeriod, org: Callable[[str], Organization]) -> Callable[..., SelfEvaluation]:
    """`evaluation(owner, status, activities)`: a self-evaluation of the period in the given state."""

    def make(owner: str, status: str, activities: str = "") -> SelfEvaluation:
        return SelfEvaluation.objects.create(
            period=period, organization=org(owner), status=status, activities=activities
        )

    return make


@pytest.fixture
def block_data(regional_kpi: Callable[..., Kpi], evaluation: Callable[..., SelfEvaluation]) -> None:
    """関東: 東京 met, 神奈川 missed, 茨城 met (3 items, 2 met); 近畿: 大阪 met (1 of 1)."""
    regional_kpi("pref-13", 10, 12, name="東京都の企業訪問件数")
    regional_kpi("pref-14", 20, 15)
    regional_kpi("pref-08", 5, 5)
    regional_kpi("pref-27", 10, 11)
    evaluation("pref-13", Status.SUBMITTED, "東京都の取組（提出済み）")
    evaluation("pref-14", Status.DRAFT, "神奈川県の下書きの文章")
    evaluation("pref-27", Status.REVIEWED, "大阪府の取組（局確認済み）")


def codes(compilation: Any) -> set[str]:
    return {body.organization.code for section in compilation.sections for body in section.bodies}


def test_it_gives_a_bureau_reviewer_its_block_with_the_block_totals(
    block_data: None, period: ReportingPeriod, kanto_reviewer: Any
) -> None:
    compilation = compile_period(period, kanto_reviewer, AFTER_FY2023)

    assert [section.bureau.code for section in compilation.sections] == ["bureau-kanto"]
    kanto = compilation.sections[0]
    assert kanto.items == ItemsMet(total=3, met=2)
    assert kanto.items_text == "3件の項目のうち 2件達成（66.7%）"
    expected = {f"pref-{jis}" for jis in KANTO_PREFECTURES} | {f"window-{jis}" for jis in KANTO_PREFECTURES}
    assert codes(compilation) == expected
    by_code = {body.organization.code: body for body in kanto.bodies}
    assert [by_code[c].status_label for c in ("pref-13", "pref-14", "pref-08")] == [
        "提出済み（局の確認待ち）",
        "作成中",
        "未着手",
    ]
    assert by_code["pref-13"].visible and not by_code["pref-14"].visible
    assert kanto.status_counts == [len(expected) - 2, 1, 1, 0, 0, 0, 0]


def test_it_counts_no_item_as_met_before_the_year_ends(
    block_data: None, period: ReportingPeriod, kanto_reviewer: Any
) -> None:
    compilation = compile_period(period, kanto_reviewer, datetime.date(2024, 3, 1))

    assert compilation.sections[0].items == ItemsMet(total=3, met=0)


def test_it_shows_a_reviewer_the_submitted_texts_but_only_作成中_for_a_draft(
    block_data: None, period: ReportingPeriod, client: Any, login: Any, kanto_reviewer: Any
) -> None:
    response = login(client, kanto_reviewer).get(reverse("pdca:compilation", args=[period.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "東京都の取組（提出済み）" in page
    assert "東京都の企業訪問件数" in page and "120%" in page
    assert "神奈川県の下書きの文章" not in page
    assert "作成中のため、内容は表示されません。" in page
    assert "3件の項目のうち 2件達成（66.7%）" in page
    assert "大阪府" not in page
    assert "全国計" not in page


def test_it_shows_jpo_every_block_and_the_national_total(
    block_data: None, period: ReportingPeriod, client: Any, login: Any, jpo_viewer: Any
) -> None:
    compilation = compile_period(period, jpo_viewer, AFTER_FY2023)

    bureaus = list(Organization.objects.bureaus())
    assert [s.bureau for s in compilation.sections] == [None, *bureaus]
    assert {"jpo", "inpit", "pref-01", "pref-47", "window-47"} <= codes(compilation)
    prefectures = Organization.objects.filter(kind=OrganizationKind.PREFECTURE).count()
    windows = Organization.objects.filter(kind=OrganizationKind.INPIT_WINDOW).count()
    assert compilation.body_count == 2 + prefectures + windows
    assert compilation.items == ItemsMet(total=4, met=3)
    kinki = next(s for s in compilation.sections if s.bureau and s.bureau.code == "bureau-kinki")
    assert kinki.items_text == "1件の項目のうち 1件達成（100.0%）"

    url = reverse("pdca:compilation", args=[period.pk])
    page = login(client, jpo_viewer).get(url).content.decode()
    assert "全国計" in page and "4件の項目のうち 3件達成（75.0%）" in page
    assert "近畿ブロック" in page and "大阪府の取組（局確認済み）" not in page, "one section at a time: the central"
    assert 'href="?section=bureau-kinki#section-' in page

    page = client.get(url + "?section=bureau-kinki").content.decode()
    assert "全国計" in page and "4件の項目のうち 3件達成（75.0%）" in page, "every block's totals still shown"
    assert "大阪府の取組（局確認済み）" in page and "東京都の取組（提出済み）" not in page
    assert "神奈川県の下書きの文章" not in page


def test_it_lets_a_kinki_reviewer_compile_kinki_only(
    block_data: None, period: ReportingPeriod, kinki_reviewer: Any
) -> None:
    compilation = compile_period(period, kinki_reviewer, AFTER_FY2023)

    assert [s.bureau.code for s in compilation.sections] == ["bureau-kinki"]
    assert "pref-27" in codes(compilation) and "pref-13" not in codes(compilation)
    assert compilation.sections[0].items == ItemsMet(total=1, met=1)


def test_it_marks_bodies_that_have_not_submitted_after_the_due_date(
    block_data: None, period: ReportingPeriod, kanto_reviewer: Any
) -> None:
    before = {
        b.organization.code: b.overdue
        for b in compile_period(period, kanto_reviewer, period.due_date).sections[0].bodies
    }
    after_day = period.due_date + datetime.timedelta(days=1)
    after = {
        b.organization.code: b.overdue for b in compile_period(period, kanto_reviewer, after_day).sections[0].bodies
    }

    assert not any(before.values())
    assert after["pref-08"] and after["pref-14"] and not after["pref-13"]


@pytest.mark.parametrize("username", ["jpo_admin", "jpo_viewer", "kanto_reviewer", "kinki_reviewer"])
def test_it_lets_jpo_and_bureau_reviewers_in(
    username: str, period: ReportingPeriod, client: Any, login: Any, request: Any
) -> None:
    user = request.getfixturevalue(username)

    response = login(client, user).get(reverse("pdca:compilation", args=[period.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("username", ["tokyo_editor", "tokyo_viewer", "inpit_editor", "tokyo_window_editor"])
def test_it_refuses_users_who_neither_review_a_block_nor_belong_to_jpo(
    username: str, period: ReportingPeriod, client: Any, login: Any, request: Any
) -> None:
    user = request.getfixturevalue(username)

    response = login(client, user).get(reverse("pdca:compilation", args=[period.pk]))

    assert response.status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(period: ReportingPeriod, client: Any) -> None:
    response = client.get(reverse("pdca:compilation", args=[period.pk]))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_answers_404_for_an_unknown_period(db: None, client: Any, login: Any, jpo_admin: Any) -> None:
    assert login(client, jpo_admin).get(reverse("pdca:compilation", args=[999_999])).status_code == 404


def test_it_links_the_other_half_years_of_the_plan(
    period: ReportingPeriod, plan: Plan, client: Any, login: Any, kanto_reviewer: Any
) -> None:
    other = ReportingPeriod.objects.create(
        plan=plan, fiscal_year=2024, half=Half.FIRST, due_date=datetime.date(2024, 10, 31)
    )

    page = login(client, kanto_reviewer).get(reverse("pdca:compilation", args=[period.pk])).content.decode()

    assert reverse("pdca:compilation", args=[other.pk]) in page
    assert "2024年度上期" in page and "2023年度下期" in page


def _evaluate(prefectures: list[str], regional_kpi: Callable[..., Kpi], evaluation: Callable[..., Any]) -> None:
    for code in prefectures:
        regional_kpi(code, 10, 11)
        regional_kpi(code, 10, 9)
        evaluation(code, Status.SUBMITTED, f"{code}の取組")


def _queries(client: Any, period: ReportingPeriod) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pdca:compilation", args=[period.pk])).status_code == 200
    return len(captured)


def test_it_pins_the_queries_of_a_block_compilation(
    period: ReportingPeriod,
    regional_kpi: Callable[..., Kpi],
    evaluation: Callable[..., SelfEvaluation],
    client: Any,
    login: Any,
    kanto_reviewer: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _evaluate(["pref-13", "pref-14"], regional_kpi, evaluation)
    login(client, kanto_reviewer)

    with django_assert_max_num_queries(17):
        assert client.get(reverse("pdca:compilation", args=[period.pk])).status_code == 200


def test_it_pins_the_queries_of_the_national_compilation(
    period: ReportingPeriod,
    regional_kpi: Callable[..., Kpi],
    evaluation: Callable[..., SelfEvaluation],
    client: Any,
    login: Any,
    jpo_viewer: Any,
    django_assert_max_num_queries: Any,
) -> None:
    _evaluate(["pref-01", "pref-27"], regional_kpi, evaluation)
    login(client, jpo_viewer)
    url = reverse("pdca:compilation", args=[period.pk])

    # 19: the data's generation, under which the page's sections are kept, is one of them.
    with django_assert_max_num_queries(19):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(19):
        response = client.get(url + "?section=bureau-kinki")
    assert "pref-27の取組" in response.content.decode()


def test_a_kept_compilation_reads_no_evaluation_and_shows_a_change_at_once(
    period: ReportingPeriod,
    regional_kpi: Callable[..., Kpi],
    evaluation: Callable[..., SelfEvaluation],
    client: Any,
    login: Any,
    jpo_viewer: Any,
    kanto_reviewer: Any,
    fragment_cache: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chizai.pdca import actions

    _evaluate(["pref-13", "pref-27"], regional_kpi, evaluation)
    url = reverse("pdca:compilation", args=[period.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url + "?section=bureau-kanto").status_code == 200
        return len(captured)

    login(client, jpo_viewer)
    cold = queries()
    assert queries() < cold - 5
    tokyo = SelfEvaluation.objects.get(organization__code="pref-13")
    assert "pref-13の取組" in client.get(url + "?section=bureau-kanto").content.decode()

    actions.return_evaluation(evaluation=tokyo, actor=kanto_reviewer, comment="数値を確認してください")

    page = client.get(url + "?section=bureau-kanto").content.decode()
    row = page.split('class="body-name">東京都<', 1)[1].split("</tr>", 1)[0]
    assert "差戻し" in row and "pref-13の取組" not in row
    client.logout()
    login(client, kanto_reviewer)
    page = client.get(url).content.decode()
    assert "自己評価の取りまとめ（関東ブロック）" in page and "近畿ブロック" not in page


def test_it_needs_the_same_number_of_queries_for_2_or_10_evaluations(
    period: ReportingPeriod,
    regional_kpi: Callable[..., Kpi],
    evaluation: Callable[..., SelfEvaluation],
    client: Any,
    login: Any,
    kanto_reviewer: Any,
) -> None:
    prefectures = [f"pref-{jis}" for jis in KANTO_PREFECTURES[:10]]
    login(client, kanto_reviewer)
    _evaluate(prefectures[:2], regional_kpi, evaluation)
    with_two = _queries(client, period)
    _evaluate(prefectures[2:], regional_kpi, evaluation)

    assert _queries(client, period) == with_two
