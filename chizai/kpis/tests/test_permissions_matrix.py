"""Who may see and enter what: every role of the cast against every KPI page, through the test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from chizai.kpis.models import Actual
from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import (
    OSAKA_KPI_NAME,
    TOKYO_KPI_NAME,
    ViewsData,
    form_version,
    text_of,
    user_audits,
)
from chizai.testing import CAST_USERNAMES

views_today = fx.views_today
views_data = fx.views_data

pytestmark = pytest.mark.django_db

CAST = CAST_USERNAMES  # every role of the test cast, each checked against each view


def as_user(client: Any, login: Any, request: pytest.FixtureRequest, username: str) -> Any:
    """Log the cast member in (each fixture gives a fresh user, so permission caches never leak)."""
    return login(client, request.getfixturevalue(username))


def actual_post(version: int = 0, value: str = "7", year: int = 2025) -> dict[str, Any]:
    return {"year": year, "half": "FY", "value": value, "version": version}


# --- anonymous visitors ------------------------------------------------------------------------------------

ANONYMOUS_PAGES = {
    "dashboard": lambda d: reverse("kpis:dashboard"),
    "plan dashboard": lambda d: reverse("kpis:plan_dashboard", args=[3]),
    "organisation list": lambda d: reverse("kpis:organization_list"),
    "organisation page": lambda d: reverse("kpis:organization_detail", args=["pref-13"]),
    "kpi page": lambda d: reverse("kpis:kpi_detail", args=[d.tokyo.pk]),
    "actual form": lambda d: reverse("kpis:actual_edit", args=[d.tokyo.pk]),
    "evaluation form": lambda d: reverse("kpis:evaluation_edit", args=[d.tokyo.pk]),
    "report": lambda d: reverse("kpis:plan_report", args=[3]),
    "report markdown": lambda d: reverse("kpis:plan_report", args=[3]) + "?format=md",
}


@pytest.mark.parametrize("page", list(ANONYMOUS_PAGES))
def test_it_sends_anonymous_visitors_to_the_login_page(client, views_data: ViewsData, page):
    url = ANONYMOUS_PAGES[page](views_data)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("form", ["actual", "evaluation"])
def test_it_refuses_anonymous_posts_without_saving(client, views_data: ViewsData, form):
    url = reverse(f"kpis:{form}_edit", args=[views_data.tokyo.pk])
    data = actual_post() if form == "actual" else {"period": "2025-2025", "text": "匿名", "version": 0}

    response = client.post(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not user_audits().exists()


# --- 東京都's regional KPI --------------------------------------------------------------------------------

TOKYO_KPI_VIEW = {
    "jpo_admin": 200,
    "jpo_viewer": 200,
    "kanto_reviewer": 200,
    "tokyo_editor": 200,
    "tokyo_viewer": 200,
    "osaka_editor": 404,
    "kinki_reviewer": 404,
    "kanagawa_editor": 404,
    "inpit_editor": 404,
    "tokyo_window_editor": 404,
}


@pytest.mark.parametrize(("username", "status"), TOKYO_KPI_VIEW.items())
def test_it_shows_tokyos_regional_kpi_only_within_its_scope(client, login, request, views_data, username, status):
    as_user(client, login, request, username)

    response = client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk]))

    assert response.status_code == status
    if status == 200:
        assert TOKYO_KPI_NAME in text_of(response)


TOKYO_KPI_ENTRY = {
    "tokyo_editor": 200,
    "jpo_admin": 200,
    "tokyo_viewer": 403,
    "kanto_reviewer": 403,
    "jpo_viewer": 403,
    "kanagawa_editor": 404,  # 神奈川県 does not even see 東京都's KPI
    "osaka_editor": 404,
    "kinki_reviewer": 404,
    "inpit_editor": 404,
    "tokyo_window_editor": 404,
}


@pytest.mark.parametrize(("username", "status"), TOKYO_KPI_ENTRY.items())
@pytest.mark.parametrize("form", ["actual", "evaluation"])
def test_it_lets_only_tokyos_editors_and_jpo_admins_open_the_entry_forms(
    client, login, request, views_data, username, status, form
):
    as_user(client, login, request, username)

    response = client.get(reverse(f"kpis:{form}_edit", args=[views_data.tokyo.pk]))

    assert response.status_code == status


@pytest.mark.parametrize(("username", "status"), TOKYO_KPI_ENTRY.items())
def test_it_saves_an_actual_for_tokyo_only_from_those_allowed(client, login, request, views_data, username, status):
    as_user(client, login, request, username)
    url = reverse("kpis:actual_edit", args=[views_data.tokyo.pk])

    response = client.post(url, actual_post(value="7"))

    saved = Actual.objects.filter(kpi=views_data.tokyo, start_year=2025, half="FY").first()
    if status == 200:
        assert response.status_code == 302
        assert saved is not None and saved.value == 7
        entry = user_audits(views_data.tokyo).get()
        assert entry.actor.username == username
    else:
        assert response.status_code == status
        assert saved is None
        assert not user_audits().exists()


@pytest.mark.parametrize(("username", "status"), TOKYO_KPI_ENTRY.items())
def test_it_saves_an_evaluation_for_tokyo_only_from_those_allowed(client, login, request, views_data, username, status):
    as_user(client, login, request, username)
    url = reverse("kpis:evaluation_edit", args=[views_data.tokyo.pk])

    response = client.post(url, {"period": "2025-2025", "text": "順調に推移した。", "version": 0})

    if status == 200:
        assert response.status_code == 302
        assert views_data.tokyo.evaluations.get().text == "順調に推移した。"
    else:
        assert response.status_code == status
        assert not views_data.tokyo.evaluations.exists()
        assert not user_audits().exists()


# --- central KPIs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", CAST)
def test_it_shows_the_central_kpis_to_every_cast_member(client, login, request, views_data, username):
    as_user(client, login, request, username)
    core = views_data.kpi(views_data.plan3, "core-model-case-support")
    window = views_data.kpi(views_data.plan3, "agency-window-consultations")

    assert client.get(reverse("kpis:kpi_detail", args=[core.pk])).status_code == 200
    assert client.get(reverse("kpis:kpi_detail", args=[window.pk])).status_code == 200
    assert client.get(reverse("kpis:organization_detail", args=["jpo"])).status_code == 200
    assert client.get(reverse("kpis:organization_detail", args=["inpit"])).status_code == 200


CENTRAL_ENTRY = [(username, "core-model-case-support", 200 if username == "jpo_admin" else 403) for username in CAST]
CENTRAL_ENTRY += [
    ("inpit_editor", "agency-window-consultations", 200),
    ("inpit_editor", "agency-ip-finance-institutions", 403),
    ("jpo_admin", "agency-window-consultations", 200),
    ("jpo_viewer", "agency-window-consultations", 403),
    ("tokyo_editor", "agency-window-consultations", 403),
    ("tokyo_window_editor", "agency-window-consultations", 403),
]


@pytest.mark.parametrize(("username", "code", "status"), CENTRAL_ENTRY)
def test_it_lets_only_the_owner_or_a_jpo_admin_enter_central_kpis(
    client, login, request, views_data, username, code, status
):
    as_user(client, login, request, username)
    kpi = views_data.kpi(views_data.plan3, code)
    url = reverse("kpis:actual_edit", args=[kpi.pk])

    form = client.get(url)
    response = client.post(url, actual_post(value="5", year=2023))

    assert form.status_code == status
    if status == 200:
        assert response.status_code == 302
        assert kpi.actuals.get(start_year=2023, half="FY").value == 5
        assert user_audits(kpi).get().actor.username == username
    else:
        assert response.status_code == 403
        assert not kpi.actuals.exists()


def test_it_shows_the_entry_buttons_only_to_those_who_may_enter(client, login, views_data, tokyo_editor, tokyo_viewer):
    url = reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])

    as_editor = text_of(login(client, tokyo_editor).get(url))
    as_viewer = text_of(login(client, tokyo_viewer).get(url))

    assert "実績を入力する" in as_editor and "評価を入力する" in as_editor
    assert "実績を入力する" not in as_viewer and "評価を入力する" not in as_viewer
    assert reverse("kpis:actual_edit", args=[views_data.tokyo.pk]) not in as_viewer


# --- organisation pages and the dashboard -----------------------------------------------------------------

ORGANIZATION_VIEW = [
    ("tokyo_editor", "pref-13", 200),
    ("tokyo_editor", "pref-27", 404),
    ("tokyo_editor", "pref-14", 404),
    ("tokyo_editor", "bureau-kanto", 404),
    ("tokyo_editor", "window-13", 200),  # a body located in 東京都
    ("osaka_editor", "pref-13", 404),
    ("kanagawa_editor", "pref-13", 404),
    ("kanto_reviewer", "pref-13", 200),
    ("kanto_reviewer", "pref-27", 404),
    ("kinki_reviewer", "pref-27", 200),
    ("kinki_reviewer", "pref-13", 404),
    ("jpo_viewer", "pref-27", 200),
    ("tokyo_window_editor", "pref-13", 404),
    ("jpo_admin", "no-such-body", 404),
]


@pytest.mark.parametrize(("username", "code", "status"), ORGANIZATION_VIEW)
def test_it_shows_an_organisation_page_only_within_scope(client, login, request, views_data, username, code, status):
    as_user(client, login, request, username)

    response = client.get(reverse("kpis:organization_detail", args=[code]))

    assert response.status_code == status


def test_it_keeps_tokyos_regional_kpi_off_osakas_dashboard(client, login, views_data, osaka_editor):
    login(client, osaka_editor)

    page = text_of(client.get(reverse("kpis:dashboard")))
    organizations = text_of(client.get(reverse("kpis:organization_list")))
    osaka_page = text_of(client.get(reverse("kpis:organization_detail", args=["pref-27"])))

    assert TOKYO_KPI_NAME not in page
    assert reverse("kpis:kpi_detail", args=[views_data.tokyo.pk]) not in page
    assert "地域KPI（1項目" in page  # 大阪府's own only
    assert "東京都" not in organizations
    assert OSAKA_KPI_NAME in osaka_page


@pytest.mark.parametrize(
    ("username", "regional_count"),
    [("jpo_admin", 2), ("jpo_viewer", 2), ("kanto_reviewer", 1), ("kinki_reviewer", 1), ("tokyo_viewer", 1)],
)
def test_it_counts_only_the_visible_regional_kpis_on_the_dashboard(
    client, login, request, views_data, username, regional_count
):
    as_user(client, login, request, username)

    response = client.get(reverse("kpis:dashboard"))

    assert response.context["tables"]["regional"]["count"] == regional_count
    assert f"地域KPI（{regional_count}項目" in text_of(response)


def test_it_hides_the_regional_section_from_those_who_see_no_regional_kpi(client, login, views_data, inpit_editor):
    login(client, inpit_editor)

    page = text_of(client.get(reverse("kpis:dashboard")))

    assert "地域KPIの達成状況" not in page
    assert TOKYO_KPI_NAME not in page and OSAKA_KPI_NAME not in page


def test_it_renders_the_form_version_for_an_allowed_editor(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    response = client.get(reverse("kpis:actual_edit", args=[views_data.tokyo.pk]) + "?year=2023&half=FY")

    assert form_version(response.content) == 1
