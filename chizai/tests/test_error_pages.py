"""Japanese 403 / 404 / 500 / CSRF-failure pages, the 403 page keeping the view's own message."""

from __future__ import annotations

import pytest
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from chizai.kpis.models import Kpi
from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.conftest import PLAN3_FILE


@login_required
def broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a defect in a view")


# This module doubles as a URLconf (pytest.mark.urls): the app's routes plus a view that fails.
urlpatterns = [path("broken/", broken_view), path("", include("chizai.urls"))]


def test_it_shows_the_views_japanese_reason_on_the_403_page(db, jpo_viewer):
    kpi = Kpi.objects.filter(plan=load_plan_file(PLAN3_FILE).plan).first()
    assert kpi is not None
    client = Client()
    client.force_login(jpo_viewer)
    response = client.get(f"/kpis/{kpi.pk}/actual/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "権限がありません（403）" in html
    assert "このKPIの実績を入力する権限がありません。" in html
    assert '<html lang="ja">' in html


def test_it_shows_a_japanese_404_page(db, tokyo_editor):
    client = Client()
    client.force_login(tokyo_editor)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません（404）" in response.content.decode()


@pytest.mark.urls("chizai.tests.test_error_pages")
def test_it_shows_a_japanese_500_page_without_the_traceback(db, tokyo_editor):
    client = Client(raise_request_exception=False)
    client.force_login(tokyo_editor)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "システムエラーが発生しました（500）" in html
    assert "a defect in a view" not in html


def test_it_shows_a_japanese_page_when_a_form_comes_back_without_its_csrf_token(db, tokyo_editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tokyo_editor)
    response = client.post("/logout/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "送信を受け付けられませんでした" in html
    assert "再読み込み" in html
    assert "Forbidden" not in html and "CSRF cookie" not in html
