"""The idle timeout: a signed-in session ends 30 minutes after its last request, renewed at most once a minute."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from chizai import middleware
from chizai.testing import CAST_PASSWORD


def sign_in(client: Client) -> None:
    response = client.post("/login/", {"login": "tokyo_editor", "password": CAST_PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60


def session_expiry(client: Client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_it_renews_the_session_after_a_minute_of_use(db, monkeypatch):
    client = Client()
    sign_in(client)
    signed_in_at = middleware.time.time()
    first_expiry = session_expiry(client)

    monkeypatch.setattr(middleware.time, "time", lambda: signed_in_at + 10)
    assert settings.SESSION_COOKIE_NAME not in client.get("/cases/").cookies  # no write within the minute

    monkeypatch.setattr(middleware.time, "time", lambda: signed_in_at + 61)
    renewed = client.get("/cases/").cookies[settings.SESSION_COOKIE_NAME]
    assert renewed["max-age"] == 30 * 60
    assert session_expiry(client) > first_expiry


def test_it_signs_out_a_session_idle_past_the_timeout(db):
    client = Client()
    sign_in(client)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_leaves_anonymous_visitors_without_a_session(db):
    response = Client().get("/model-cases/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
