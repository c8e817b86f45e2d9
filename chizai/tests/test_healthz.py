"""/healthz: for load balancers and monitoring, without login and without details."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.test import Client

from chizai import views


def test_it_reports_ok_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


class UnreachableDatabase:
    def cursor(self) -> Any:
        raise OperationalError("connection refused to db.internal:5432 as chizai")


def test_it_answers_503_without_the_error_when_the_database_is_unreachable(db, monkeypatch):
    monkeypatch.setattr(views, "connection", UnreachableDatabase())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}
    assert b"db.internal" not in response.content


def test_it_is_not_redirected_to_https_so_plain_http_probes_work(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/login/").status_code == 301
