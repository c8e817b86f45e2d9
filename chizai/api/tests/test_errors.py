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


def test_it_answers_an_address_that_names_no_operation_with_the_json_error(api: Any) -> None:
    client = api("tokyo_editor")
    for url in ("/api/kpis/null,null/", "/api/kpis/AAA/targets/", "/api/kpis/%0A/targets/", "/api/nothing/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "見つかりませんでした。", "errors": {}}, url
    assert APIClient().get("/api/kpis/AAA/").status_code == 401  # credentials first, as everywhere


def test_it_refuses_query_parameters_the_schema_does_not_allow(api: Any) -> None:
    client = api("tokyo_editor")
    for query in ("offset=null", "limit=0", "limit=1001", "offset=-1", "limit=１", "organization=", "plan=1.0"):
        response = client.get(f"/api/kpis/?{query}")
        assert response.status_code == 400, query
        assert detail(response), query
    response = client.get("/api/plans/?color=red")
    assert response.status_code == 400
    assert response.json()["errors"] == {"color": ["この問い合わせパラメーターは使えません。"]}


def test_it_accepts_what_the_schema_allows(api: Any, tokyo_kpi: Any) -> None:
    client = api("tokyo_editor")
    assert client.get("/api/kpis/?organization=pref-13&plan=1&limit=1000&offset=0&kind=regional").status_code == 200
    assert client.get("/api/kpis/?organization=%20%20").status_code == 400  # outside the pattern: refused
    assert client.get("/api/plans/").status_code == 200


def test_it_refuses_a_json_value_of_another_type_than_the_schema_states(api: Any, tokyo_kpi: Any) -> None:
    target = tokyo_kpi.targets.get(start_year=2023)
    response = api("tokyo_editor").patch(
        f"/api/targets/{target.pk}/", {"value": "11", "note": 0, "version": "1"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {"note": ["文字列で指定してください。"], "version": ["整数で指定してください。"]}
