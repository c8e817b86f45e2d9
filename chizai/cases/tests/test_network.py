"""The referral network (紹介ネットワーク): counts per referring body, support team, fiscal year and block."""

from __future__ import annotations

import datetime
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from chizai.cases.demo import corporate_number
from chizai.cases.models import Company, Origin, SmeCategory, Stage, SupportCase
from chizai.cases.network import MAX_STROKE, build_diagram, referral_network
from chizai.organizations.models import Organization
from chizai.testing import NAVIGATION_QUERIES

URL = "/cases/network/"
_numbers = count(9001)


def make_case(year: int, company_prefecture: str, referrer: str | None = None, team: str = "jpo") -> SupportCase:
    number = next(_numbers)
    prefecture = Organization.objects.get(code=company_prefecture)
    company = Company.objects.create(
        corporate_number=corporate_number(number),
        name=f"秘密の社名{number}株式会社",
        prefecture=prefecture,
        industry="金属製品製造業",
        sme_category=SmeCategory.MANUFACTURING,
        registered_by=prefecture,
    )
    return SupportCase.objects.create(
        company=company,
        fiscal_year=year,
        origin=Origin.REGIONAL if referrer else Origin.PUSH,
        referred_by=Organization.objects.get(code=referrer) if referrer else None,
        support_team=Organization.objects.get(code=team),
        stage=Stage.HEARING,
        stage_entered_at=timezone.now(),
        opened_on=datetime.date(year, 6, 1),
    )


@pytest.fixture
def network_cases(db: None) -> None:
    """FY2024: 大阪府 2, 東京都 1, 東京都よろず支援拠点 1 (to INPIT), 日本商工会議所 1; FY2025: 神奈川県 1.
    JPO-direct: FY2024 two in 東京都 and one in 大阪府, FY2025 one in 福岡県."""
    for referrer, prefecture, team in (
        ("pref-27", "pref-27", "jpo"),
        ("pref-27", "pref-27", "jpo"),
        ("pref-13", "pref-13", "jpo"),
        ("yorozu-13", "pref-13", "inpit"),
        ("jcci", "pref-40", "jpo"),
    ):
        make_case(2024, prefecture, referrer, team)
    make_case(2025, "pref-14", "pref-14")
    for prefecture in ("pref-13", "pref-13", "pref-27"):
        make_case(2024, prefecture)
    make_case(2025, "pref-40")


def rows(network: Any) -> dict[tuple[str, str], tuple[int, ...]]:
    return {(link.referrer.code, link.team.code): link.counts for link in network.links}


def test_it_counts_referrals_per_body_team_and_year_with_block_totals(network_cases: None, jpo_admin: Any) -> None:
    network = referral_network(jpo_admin)

    assert network.years == [2024, 2025]
    assert rows(network) == {
        ("pref-13", "jpo"): (1, 0),
        ("pref-14", "jpo"): (0, 1),
        ("yorozu-13", "inpit"): (1, 0),
        ("pref-27", "jpo"): (2, 0),
        ("jcci", "jpo"): (1, 0),
    }
    blocks = {block.name: (block.counts, block.total) for block in network.blocks}
    assert blocks == {
        "関東ブロック": ((2, 1), 3),
        "近畿ブロック": ((2, 0), 2),
        "全国（ブロックなし）": ((1, 0), 1),
    }
    assert [block.name for block in network.blocks][-1] == "全国（ブロックなし）"
    assert (network.counts, network.total) == ((5, 1), 6)
    assert (network.push_counts, network.push_total, network.push_area) == ((3, 1), 4, "全国")


def test_it_filters_by_fiscal_year(network_cases: None, jpo_admin: Any) -> None:
    network = referral_network(jpo_admin, fiscal_year=2025)

    assert network.years == [2025]
    assert rows(network) == {("pref-14", "jpo"): (1,)}
    assert network.push_counts == (1,)


def test_it_filters_by_block_and_counts_push_cases_in_that_block(network_cases: None, jpo_admin: Any, org: Any) -> None:
    network = referral_network(jpo_admin, bureau=org("bureau-kinki"))

    assert rows(network) == {("pref-27", "jpo"): (2,)}
    assert (network.push_counts, network.push_area) == ((1,), "近畿ブロック")


def test_it_shows_a_prefecture_only_its_own_row(network_cases: None, osaka_editor: Any, org: Any) -> None:
    network = referral_network(osaka_editor)

    assert rows(network) == {("pref-27", "jpo"): (2, 0)}
    assert (network.push_counts, network.push_area) == ((3, 1), "全国")
    assert referral_network(osaka_editor, bureau=org("bureau-kanto")).links == network.links  # not its block


def test_it_shows_a_bureau_the_referrers_of_its_block(network_cases: None, kanto_reviewer: Any, org: Any) -> None:
    network = referral_network(kanto_reviewer)

    assert set(rows(network)) == {("pref-13", "jpo"), ("pref-14", "jpo"), ("yorozu-13", "inpit")}
    assert (network.push_counts, network.push_area) == ((2, 0), "関東ブロック")
    assert rows(referral_network(kanto_reviewer, bureau=org("bureau-kinki"))) == rows(network)


def test_it_shows_jpo_every_referrer(network_cases: None, jpo_viewer: Any) -> None:
    assert len(referral_network(jpo_viewer).links) == 5


def test_it_draws_link_widths_in_proportion_to_the_counts(network_cases: None, jpo_admin: Any) -> None:
    diagram = build_diagram(referral_network(jpo_admin))

    assert diagram is not None
    widths = {edge.title.split(":")[0]: edge.width for edge in diagram.edges}
    assert widths["大阪府 → 特許庁"] == MAX_STROKE
    assert widths["東京都 → 特許庁"] == MAX_STROKE / 2
    assert [node.label for node in diagram.right] == ["特許庁", "INPIT"]
    assert {node.label: node.total for node in diagram.left}["大阪府"] == 2
    assert build_diagram(referral_network(jpo_admin, fiscal_year=2020)) is None


# --- the page -------------------------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login(client: Any, db: None) -> None:
    response = client.get(URL)

    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(
    "user, seen, unseen",
    [
        ("jpo_admin", ["大阪府", "東京都", "神奈川県", "日本商工会議所"], []),
        ("kanto_reviewer", ["東京都", "神奈川県", "東京都よろず支援拠点"], ["大阪府", "日本商工会議所"]),
        ("osaka_editor", ["大阪府"], ["東京都", "神奈川県", "日本商工会議所"]),
    ],
)
def test_it_shows_each_role_its_scope_and_never_a_company_name(
    network_cases: None, client: Any, login: Any, request: Any, user: str, seen: list[str], unseen: list[str]
) -> None:
    login(client, request.getfixturevalue(user))

    response = client.get(URL)

    assert response.status_code == 200
    table = response.content.decode().split('id="network-table-heading"')[1]
    for name in seen:
        assert f'<th scope="row">{name}</th>' in table, name
    for name in unseen:
        assert f'<th scope="row">{name}</th>' not in table, name
    assert "秘密の社名" not in response.content.decode()


def test_it_draws_the_network_as_svg_with_titles_and_a_table_alternative(
    network_cases: None, client: Any, login: Any, jpo_admin: Any
) -> None:
    login(client, jpo_admin)

    html = client.get(URL).content.decode()

    assert "<svg" in html and 'role="img"' in html
    assert "<title>大阪府 → 特許庁: 2件</title>" in html
    assert 'stroke-width="18.0"' in html
    assert '<table class="data network-table">' in html
    assert "参考: 特許庁から直接（プッシュ型）・全国" in html
    assert "<script" not in html.split("<main")[1]


def test_it_filters_the_page_by_year_and_block(network_cases: None, client: Any, login: Any, jpo_admin: Any) -> None:
    login(client, jpo_admin)

    response = client.get(URL, {"year": "2024", "block": "bureau-kinki"})

    html = response.content.decode()
    table = html.split('id="network-table-heading"')[1]
    assert '<th scope="row">大阪府</th>' in table and '<th scope="row">東京都</th>' not in table
    assert '<option value="bureau-kinki" selected>' in html
    assert '<option value="2024" selected>' in html
    assert response.context["network"].years == [2024]


def test_it_ignores_filters_it_cannot_read(network_cases: None, client: Any, login: Any, jpo_admin: Any) -> None:
    login(client, jpo_admin)

    response = client.get(URL, {"year": "abc", "block": "no-such-bureau"})

    assert response.status_code == 200
    assert response.context["network"].total == 6


def test_it_offers_the_block_filter_only_to_jpo(
    network_cases: None, client: Any, login: Any, osaka_editor: Any, kanto_reviewer: Any
) -> None:
    for user in (osaka_editor, kanto_reviewer):
        login(client, user)
        assert 'name="block"' not in client.get(URL).content.decode()


def test_it_says_when_nothing_was_referred(client: Any, login: Any, tokyo_viewer: Any) -> None:
    login(client, tokyo_viewer)

    html = client.get(URL).content.decode()

    assert "この条件で紹介された案件はありません。" in html
    assert "<svg" not in html


def test_it_keeps_the_query_count_flat(
    network_cases: None, client: Any, login: Any, jpo_admin: Any, django_assert_max_num_queries: Any
) -> None:
    login(client, jpo_admin)
    client.get(URL)  # warm the session
    for _ in range(5):
        make_case(2025, "pref-01", "pref-01")
        make_case(2023, "pref-47", "yorozu-47")

    with django_assert_max_num_queries(9 + NAVIGATION_QUERIES):
        response = client.get(URL)

    assert response.context["network"].total == 16


def test_it_hides_the_filters_when_printing(network_cases: None, client: Any, login: Any, jpo_admin: Any) -> None:
    login(client, jpo_admin)

    html = client.get(URL).content.decode()

    assert 'class="network-filters no-print"' in html
    assert 'class="network-print-only">対象: すべての年度・すべてのブロック' in html
