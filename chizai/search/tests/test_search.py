"""The search box: a company found by 法人番号 or by part of its Japanese name, only by those who may see it.

Runs on SQLite (FTS5 trigram) and, with DATABASE_URL pointing at PostgreSQL, on pg_trgm.
"""

from __future__ import annotations

import pytest
from django.db import connection

from chizai.cases.tests import fixtures_cases as fx
from chizai.search.indexes import INDEXED
from chizai.search.query import search

cases_today = fx.cases_today
cases_data = fx.cases_data

TOKYO_NUMBER = fx.corporate_number("130000000001")


def names(results: object, kind: str) -> list[str]:
    return [getattr(o, "name", "") for o in getattr(results, kind)]


@pytest.mark.django_db
def test_it_finds_a_company_by_corporate_number_for_jpo(cases_data, jpo_admin):
    assert names(search(jpo_admin, TOKYO_NUMBER), "companies") == [fx.TOKYO_COMPANY]


@pytest.mark.django_db
def test_it_finds_the_company_for_the_body_that_registered_it(cases_data, tokyo_editor):
    found = search(tokyo_editor, TOKYO_NUMBER)
    assert names(found, "companies") == [fx.TOKYO_COMPANY]
    assert [c.pk for c in found.cases] == [cases_data.tokyo_case.pk]


@pytest.mark.django_db
def test_another_prefecture_does_not_find_the_company(cases_data, osaka_editor, kanagawa_editor):
    for outsider in (osaka_editor, kanagawa_editor):
        found = search(outsider, TOKYO_NUMBER)
        assert found.companies == [] and found.cases == []
        assert fx.TOKYO_COMPANY not in names(search(outsider, "精密加工"), "companies")


@pytest.mark.django_db
def test_it_matches_part_of_a_japanese_name(cases_data, jpo_admin):
    assert names(search(jpo_admin, "精密加工"), "companies") == [fx.TOKYO_COMPANY]  # trigram index
    assert names(search(jpo_admin, "精密"), "companies") == [fx.TOKYO_COMPANY]  # 2 characters: icontains
    assert names(search(jpo_admin, "バイオ株式"), "companies") == [fx.KANAGAWA_COMPANY]


@pytest.mark.django_db
def test_it_finds_organisations_and_kpis_by_part_of_their_names(cases_data, tokyo_editor):
    found = search(tokyo_editor, "東京都")
    assert "東京都" in [o.display_name for o in found.organizations]
    assert "大阪府" not in [o.display_name for o in search(tokyo_editor, "大阪府").organizations]


@pytest.mark.django_db
def test_the_index_follows_renames_and_deletions(cases_data, jpo_admin):
    from chizai.cases import actions

    company = cases_data.tokyo_case.company
    actions.update_company(company=company, changes={"name": "東京光学工業株式会社"}, actor=jpo_admin)
    assert names(search(jpo_admin, "光学工業"), "companies") == ["東京光学工業株式会社"]
    assert search(jpo_admin, "精密加工").companies == []


@pytest.mark.django_db
def test_the_database_has_its_trigram_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%_trgm'")
            expected = {f"search_{i.table}_{c}_trgm" for i in INDEXED for c in i.columns}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'search_%_fts'")
            expected = {i.fts for i in INDEXED}
        assert {row[0] for row in cursor.fetchall()} == expected


@pytest.mark.django_db
def test_the_page_shows_the_results_and_the_query(client, cases_data, jpo_admin):
    client.force_login(jpo_admin)
    response = client.get("/search/", {"q": TOKYO_NUMBER})
    assert response.status_code == 200
    assert fx.TOKYO_COMPANY in response.content.decode()
    assert "検索結果：" in response.content.decode()
