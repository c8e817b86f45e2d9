"""「やること」 lists every period still waiting (an overdue earlier half year too) and links to the action."""

from datetime import date

import pytest
from django.urls import reverse

from chizai.kpis.models import Plan
from chizai.pdca import views_todo
from chizai.pdca.actions import ensure_periods, start_evaluation
from chizai.pdca.models import ReportingPeriod

pytestmark = pytest.mark.django_db

URL = reverse("pdca:todo")
TODAY = date(2026, 12, 2)  # 2026年度上期 is open; 2025年度下期 and 上期 are past their due dates


@pytest.fixture
def periods(monkeypatch):
    monkeypatch.setattr(views_todo, "localdate", lambda: TODAY)
    plan = Plan.objects.create(number=92, name="テスト計画", first_fiscal_year=2025, last_fiscal_year=2026)
    ensure_periods(plan)
    return {(p.fiscal_year, p.half): p for p in ReportingPeriod.objects.filter(plan=plan)}


def test_an_editor_sees_the_overdue_earlier_half_years_with_a_button_to_start(client, periods, tokyo_editor):
    client.force_login(tokyo_editor)
    page = client.get(URL).content.decode()
    for key in ((2025, "H1"), (2025, "H2"), (2026, "H1")):
        assert periods[key].short_label in page
    start = reverse("pdca:evaluation_start", args=[periods[(2025, "H1")].param, "pref-13"])
    assert f'action="{start}"' in page and "入力を始める" in page


def test_a_started_evaluation_links_straight_to_its_form(client, periods, tokyo_editor, org):
    evaluation = start_evaluation(period=periods[(2025, "H1")], organization=org("pref-13"), actor=tokyo_editor)
    client.force_login(tokyo_editor)
    page = client.get(URL).content.decode()
    assert reverse("pdca:evaluation_edit", args=[evaluation.pk]) in page


def test_a_reviewer_sees_the_late_bodies_of_an_earlier_half_year(client, periods, kanto_reviewer):
    client.force_login(kanto_reviewer)
    page = client.get(URL).content.decode()
    assert f"{periods[(2025, 'H1')].label}：提出期限" in page
    assert "東京都" in page and "大阪府" not in page
