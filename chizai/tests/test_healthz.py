"""/healthz: for load balancers and monitoring, without login and without details."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from chizai import views
from chizai.workers.actions import start_worker
from chizai.workers.models import Worker


def test_it_reports_ok_when_the_database_answers_and_a_worker_beats(db):
    start_worker(worker_id="web-1-worker-1")
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "ok"
    assert body["workers_alive"] == 1 and body["worker_last_seen_seconds"] < 5
    assert "no-store" in response["Cache-Control"]


def test_it_says_worker_stale_when_no_worker_beat_recently_but_still_answers_200(db, settings):
    assert Client().get("/healthz").json()["worker"] == "stale"  # none ever started

    start_worker(worker_id="web-1-worker-1")
    Worker.objects.update(
        last_seen_at=timezone.now() - datetime.timedelta(seconds=settings.CHIZAI_WORKER_STALE_SECONDS + 5)
    )
    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["worker"] == "stale" and body["workers_alive"] == 0
    assert body["worker_last_seen_seconds"] >= settings.CHIZAI_WORKER_STALE_SECONDS


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
