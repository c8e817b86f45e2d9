"""The committed openapi.yaml is the schema the code generates, without a single drf-spectacular warning."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.PROJECT_DIR) / "openapi.yaml"


def test_it_keeps_the_committed_schema_equal_to_the_generated_one(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    # --fail-on-warn: any drf-spectacular warning (an unannotated view, an ambiguous enum) fails here.
    call_command("spectacular", file=str(generated), validate=True, fail_on_warn=True)
    assert generated.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "openapi.yaml is out of date: run `make openapi` and commit the result"
    )


def test_it_serves_the_schema_to_a_logged_in_user(client: Any, login: Any, tokyo_viewer: Any) -> None:
    login(client, tokyo_viewer)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert "/api/kpis/{id}/actuals/" in response.content.decode()


def test_it_serves_the_docs_from_the_app_itself_without_a_cdn(client: Any, login: Any, tokyo_viewer: Any) -> None:
    login(client, tokyo_viewer)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|<link[^>]*href)="([^"]+)"', response.content.decode())
    assert assets, "the docs page loads Swagger UI"
    assert all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_the_docs_lead_back_to_the_app_without_javascript(client: Any, login: Any, tokyo_viewer: Any) -> None:
    login(client, tokyo_viewer)
    page = client.get("/api/docs/").content.decode()

    links = dict((label, url) for url, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))
    assert links["← chizaiの画面に戻る（全国ダッシュボード）"] == "/"
    assert links["使い方"] == "/help/"
    assert '<html lang="ja">' in page


def test_it_tells_readers_of_the_docs_where_to_get_a_token(client: Any, login: Any, tokyo_viewer: Any) -> None:
    login(client, tokyo_viewer)
    schema = client.get("/api/schema/?format=json").json()
    assert "](/api/token/)" in schema["info"]["description"]
    assert client.get("/api/token/").status_code == 200
