"""Every error is JSON of one shape, in Japanese: {"detail": …, "errors": {…}}."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from chizai.api.tests.conftest import detail


def test_it_asks_an_anonymous_caller_for_credentials_in_japanese(db: None) -> None:
    response = APIClient().get("/api/kpis/")
    assert response.status_code == 401
    assert response.json() == {"detail": "認証情報が含まれていません。", "errors": {}}
    assert response["WWW-Authenticate"] == "Token"


def test_it_refuses_an_unknown_token(db: None) -> None:
    response = APIClient(HTTP_AUTHORIZATION="Token 0123456789abcdef").get("/api/plans/")
    assert response.status_code == 401
    assert detail(response) == "不正なトークンです。"


def test_it_names_a_method_it_does_not_allow(api: Any, tokyo_kpi: Any) -> None:
    response = api("tokyo_editor").delete(f"/api/kpis/{tokyo_kpi.pk}/")
    assert response.status_code == 405
    assert "DELETE" in detail(response) and "許" in detail(response)


def test_it_explains_a_body_that_is_not_json(api: Any) -> None:
    response = api("tokyo_editor").post("/api/kpis/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert detail(response) == "JSONの形式が正しくありません。本文を JSON で送ってください。"


def test_it_lists_field_errors_under_their_field(api: Any, tokyo_kpi: Any) -> None:
    response = api("tokyo_editor").post(f"/api/kpis/{tokyo_kpi.pk}/targets/", {"start_year": "令和"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "入力内容に誤りがあります。"
    assert set(body["errors"]) == {"start_year", "end_year", "value"}
    assert body["errors"]["end_year"] == ["この項目は必須です。"]


def test_it_answers_an_id_beyond_any_database_with_not_found(api: Any) -> None:
    response = api("jpo_admin").get(f"/api/kpis/{10**30}/")
    assert response.status_code == 404
    assert detail(response) == "見つかりませんでした。"
