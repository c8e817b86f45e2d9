"""Public model case pages (no login): only published model cases, their search, and the Atom feed."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from chizai.cases import model_cases
from chizai.cases.model_cases import search_published
from chizai.cases.models import IssueCategory, ModelCaseStatus
from chizai.cases.tests.fixtures_model_cases import make_closed_case, make_model_case

ATOM = "{http://www.w3.org/2005/Atom}"
LIST_URL = "/model-cases/"


def _at(day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2025, 4, day, 10, 0))


@pytest.fixture
def published_set(db: None) -> dict[str, Any]:
    """Three published model cases (different industry, region, categories), and one in every other status."""
    return {
        "trademark": make_model_case(
            title="海外での商標出願で輸出を伸ばした事例",
            summary="現地で商標を出願し、模倣品への対策を講じた。",
            industry="食料品製造業",
            region="pref-13",
            categories=[IssueCategory.OVERSEAS, IssueCategory.RIGHTS],
            published_at=_at(1),
            company_name="株式会社東京フーズ",
            hearing_notes="内部メモ：資金繰りが厳しい",
        ),
        "brand": make_model_case(
            title="地域ブランドの確立",
            summary="ブランドの統一とデザインの保護に取り組んだ。",
            industry="繊維工業",
            region="pref-27",
            categories=[IssueCategory.BRANDING],
            published_at=_at(2),
        ),
        "hiring": make_model_case(
            title="知財を軸にした人材の採用",
            summary="特許を活かした採用活動で技術者を確保した。",
            industry="食料品製造業",
            region="pref-27",
            categories=[IssueCategory.STAFFING],
            published_at=_at(3),
            is_demo=True,
        ),
        "draft": make_model_case(status=ModelCaseStatus.DRAFT, title="作成中の商標の事例"),
        "submitted": make_model_case(status=ModelCaseStatus.SUBMITTED, title="承認待ちの商標の事例"),
        "approved": make_model_case(status=ModelCaseStatus.APPROVED, title="承認済みの商標の事例"),
        "withdrawn": make_model_case(status=ModelCaseStatus.WITHDRAWN, title="公開停止の商標の事例"),
    }


def _titles(results: list[Any]) -> list[str]:
    return [mc.title for mc in results]


# --- the list and the detail need no login and show only published model cases -----------------------------


def test_it_lists_only_published_model_cases_without_login(client: Any, published_set: dict[str, Any]) -> None:
    response = client.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("trademark", "brand", "hiring"):
        assert published_set[key].title in page
    for key in ("draft", "submitted", "approved", "withdrawn"):
        assert published_set[key].title not in page
    assert "ログアウト" not in page and "（3件）" in page


def test_it_shows_a_published_model_case_without_the_company_or_internal_notes(
    client: Any, published_set: dict[str, Any]
) -> None:
    model_case = published_set["trademark"]
    page = client.get(reverse("public:model_case_detail", args=[model_case.pk])).content.decode()
    assert model_case.title in page and "模倣品への対策" in page and "東京都" in page
    assert "東京フーズ" not in page
    assert "資金繰り" not in page
    assert "デモ（架空）" not in page


def test_it_labels_demo_model_cases(client: Any, published_set: dict[str, Any]) -> None:
    page = client.get(reverse("public:model_case_detail", args=[published_set["hiring"].pk])).content.decode()
    assert "デモ（架空）" in page


@pytest.mark.parametrize("key", ["draft", "submitted", "approved", "withdrawn"])
def test_it_hides_unpublished_model_cases(client: Any, published_set: dict[str, Any], key: str) -> None:
    assert client.get(reverse("public:model_case_detail", args=[published_set[key].pk])).status_code == 404


def test_it_removes_a_withdrawn_model_case_everywhere(
    client: Any, published_set: dict[str, Any], jpo_admin: Any
) -> None:
    model_case = published_set["brand"]
    model_cases.withdraw_model_case(model_case=model_case, actor=jpo_admin, reason="企業の申出")
    assert model_case.title not in client.get(LIST_URL).content.decode()
    assert client.get(reverse("public:model_case_detail", args=[model_case.pk])).status_code == 404
    assert model_case.title not in client.get(reverse("public:model_case_feed")).content.decode()
    assert search_published("ブランド") == []


def test_it_pins_the_query_count_of_the_list(
    client: Any, published_set: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        client.get(LIST_URL, {"q": "商標", "industry": "食料品製造業", "region": "pref-13", "category": "overseas"})
    for number in range(25):
        make_model_case(title=f"追加の事例{number}", industry=f"業種{number}")
    with django_assert_max_num_queries(5):  # without words: a count, then one page from the database
        response = client.get(LIST_URL)
    assert response.status_code == 200
    assert len(response.context["items"]) == 20 and response.context["total"] == 28


# --- the Atom feed ------------------------------------------------------------------------------------------


def test_it_publishes_an_atom_feed_of_published_model_cases(client: Any, published_set: dict[str, Any]) -> None:
    response = client.get(reverse("public:model_case_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "地域知財活性化 モデル事例（ハンズオン支援）"
    entries = root.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == [
        "【デモ（架空）】知財を軸にした人材の採用",
        "地域ブランドの確立",
        "海外での商標出願で輸出を伸ばした事例",
    ]
    trademark = published_set["trademark"]
    link = entries[2].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"http://testserver/model-cases/{trademark.pk}/"
    assert {c.get("term") for c in entries[2].findall(f"{ATOM}category")} == {"海外展開", "権利取得"}
    assert "東京フーズ" not in response.content.decode()


# --- Japanese search ----------------------------------------------------------------------------------------


def test_it_finds_a_keyword_in_the_summary(published_set: dict[str, Any]) -> None:
    assert _titles(search_published("商標")) == [published_set["trademark"].title]


def test_it_matches_half_width_katakana_through_nfkc(client: Any, published_set: dict[str, Any]) -> None:
    assert _titles(search_published("ﾌﾞﾗﾝﾄﾞ")) == ["地域ブランドの確立"]
    page = client.get(LIST_URL, {"q": "ﾌﾞﾗﾝﾄﾞ"}).content.decode()
    assert "地域ブランドの確立" in page and "（1件）" in page


def test_it_requires_every_space_separated_term(published_set: dict[str, Any]) -> None:
    assert _titles(search_published("特許　採用")) == ["知財を軸にした人材の採用"]
    assert search_published("特許 商標") == []


def test_it_ranks_results_by_the_bigrams_they_share(published_set: dict[str, Any]) -> None:
    # Both contain 「出願」… only one of them: every bigram of the query.
    make_model_case(title="出願の基礎", summary="出願を始めた。", published_at=_at(5))
    assert _titles(search_published("商標出願"))[0] == published_set["trademark"].title


def test_it_filters_by_industry_region_and_category(client: Any, published_set: dict[str, Any]) -> None:
    assert _titles(search_published(industry="食料品製造業")) == [
        "知財を軸にした人材の採用",
        "海外での商標出願で輸出を伸ばした事例",
    ]
    assert _titles(search_published(region="pref-27")) == ["知財を軸にした人材の採用", "地域ブランドの確立"]
    assert _titles(search_published(category=IssueCategory.BRANDING)) == ["地域ブランドの確立"]
    assert _titles(search_published(industry="食料品製造業", region="pref-27")) == ["知財を軸にした人材の採用"]
    page = client.get(LIST_URL, {"category": "overseas", "region": "pref-13"}).content.decode()
    assert "海外での商標出願" in page and "地域ブランド" not in page


def test_it_searches_region_and_category_names_as_keywords(published_set: dict[str, Any]) -> None:
    assert _titles(search_published("大阪府 ブランディング")) == ["地域ブランドの確立"]


def test_it_lists_everything_for_an_empty_query(published_set: dict[str, Any]) -> None:
    assert len(search_published("　")) == 3


def test_it_explains_when_nothing_matches(client: Any, published_set: dict[str, Any]) -> None:
    assert "条件に合う事例はありません" in client.get(LIST_URL, {"q": "量子コンピュータ"}).content.decode()


def test_it_keeps_an_unknown_filter_value_harmless(client: Any, published_set: dict[str, Any]) -> None:
    response = client.get(LIST_URL, {"region": "pref-99", "category": "nonsense"})
    assert response.status_code == 200


def test_it_shows_nothing_from_a_case_that_is_not_published(client: Any, db: None) -> None:
    make_closed_case(company_name="株式会社極秘工業", hearing_notes="極秘の話")
    page = client.get(LIST_URL).content.decode()
    assert "極秘" not in page and "公開中の事例はまだありません" in page
