"""API test fixtures: token-authenticated clients for the cast, and KPIs of 東京都, 大阪府 and JPO."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from chizai.api.actions import issue_token, token_of
from chizai.kpis.models import Kpi, KpiKind
from chizai.kpis.tests.conftest import *  # noqa: F403  (plan and KPI factories: make_kpi, make_plan, plan3 …)


@pytest.fixture
def api(db: None) -> Callable[[str], APIClient]:
    """`api("tokyo_editor")`: a client that sends that user's API token, as another system would."""

    def client_for(username: str) -> APIClient:
        user = get_user_model().objects.get(username=username)
        token = token_of(user) or issue_token(user=user, actor=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def tokyo_kpi(make_kpi: Callable[..., Kpi]) -> Kpi:
    """A regional KPI of 東京都: 10件 in FY2023 (8 achieved), 12件 in FY2024."""
    return make_kpi(owner="pref-13", name="東京都の知財相談件数", targets={2023: 10, 2024: 12}, actuals={2023: 8})


@pytest.fixture
def osaka_kpi(make_kpi: Callable[..., Kpi]) -> Kpi:
    return make_kpi(owner="pref-27", name="大阪府の知財セミナー参加企業数", targets={2023: 20})


@pytest.fixture
def central_kpi(make_kpi: Callable[..., Kpi]) -> Kpi:
    return make_kpi(owner="jpo", kind=KpiKind.CORE, name="ハンズオン支援企業数", targets={2023: 60})


def detail(response: Any) -> str:
    """The Japanese message of an API error."""
    return response.json()["detail"]
