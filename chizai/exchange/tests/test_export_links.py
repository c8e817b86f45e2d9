"""Every export link on every page answers with the file it promises (issue 9, defect 5).

The 自己評価 list's Excel and CSV buttons carried the plan's name instead of its number and answered 404,
which the browser then saved silently as the "file". Here each page that offers exports is rendered as a user
who may export, every export link is taken from its HTML, and each must answer 200 with an Excel or CSV body.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from chizai.kpis.planfile import load_plan_file
from chizai.kpis.tests.conftest import PLAN3_FILE

pytestmark = pytest.mark.django_db

EXPORT_LINK = re.compile(r'href="(/(?:exports|imports/templates)/[^"]+)"')
FILE_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv")


def _export_links(html: str) -> list[str]:
    return sorted({unescape(link) for link in EXPORT_LINK.findall(html)})


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("tokyo_editor", reverse("kpis:dashboard")),
        ("jpo_admin", reverse("kpis:dashboard")),
        ("tokyo_editor", reverse("kpis:organization_detail", args=["pref-13"])),
        ("tokyo_editor", reverse("pdca:evaluation_list")),
        ("kanto_reviewer", reverse("pdca:evaluation_list")),
        ("tokyo_editor", reverse("pdca:evaluation_list") + "?plan=3"),
        ("jpo_admin", reverse("cases:case_list")),
        ("tokyo_editor", reverse("exchange:import_list")),
    ],
)
def test_every_export_link_on_the_page_downloads_a_file(client, django_user_model, username, page) -> None:  # type: ignore[no-untyped-def]
    load_plan_file(PLAN3_FILE)
    client.force_login(django_user_model.objects.get(username=username))
    response = client.get(page)
    assert response.status_code == 200
    links = _export_links(response.content.decode())
    assert links, f"{page} offers no export"

    for link in links:
        download = client.get(link)
        assert download.status_code == 200, f"{link} answered {download.status_code}"
        assert download["Content-Type"].startswith(FILE_TYPES), f"{link} answered {download['Content-Type']}"
        assert "attachment" in download["Content-Disposition"]


def test_export_links_do_not_ask_the_browser_to_save_whatever_comes_back(client, tokyo_editor) -> None:  # type: ignore[no-untyped-def]
    load_plan_file(PLAN3_FILE)
    client.force_login(tokyo_editor)

    html = client.get(reverse("pdca:evaluation_list")).content.decode()

    assert "export-links" in html
    assert " download>" not in html and " download " not in html
