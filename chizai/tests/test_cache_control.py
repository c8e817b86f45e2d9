"""Cache-Control: signed-in pages, the API and the exports are never stored; public pages and static files are."""

from __future__ import annotations

from django.test import Client

from chizai.api.actions import issue_token


def test_it_forbids_storing_a_signed_in_page(db, tokyo_editor):
    client = Client()
    client.force_login(tokyo_editor)
    cache_control = client.get("/cases/")["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_it_forbids_storing_an_export(db, tokyo_editor):
    client = Client()
    client.force_login(tokyo_editor)
    response = client.get("/exports/cases.csv")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_forbids_storing_an_api_answer_to_a_token(db, tokyo_editor):
    token = issue_token(user=tokyo_editor, actor=tokyo_editor)
    response = Client().get("/api/plans/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_lets_anonymous_public_pages_and_static_files_be_cached(db):
    assert "no-store" not in Client().get("/model-cases/").get("Cache-Control", "")
    assert "no-store" not in Client().get("/static/chizai/app.css").get("Cache-Control", "")
