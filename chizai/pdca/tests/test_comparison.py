"""Prefectures side by side: the block's (a bureau) or the nation's (JPO) prefectures by year and half year,
sortable, with figures equal to each KPI's own achievement, and the one-click 督促 to late bodies, once a day."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.kpis import achievement
from chizai.kpis import views as kpi_views
from chizai.kpis.models import Actual, Kpi
from chizai.pdca import views_comparison
from chizai.pdca.models import ReminderLog
from chizai.pdca.templatetags import pdca_comparison
from chizai.pdca.tests import fixtures_pdca as fx

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data

pytestmark = pytest.mark.django_db

KANTO = ["茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "山梨県", "長野県", "静岡県"]


@pytest.fixture(autouse=True)
def compare_today(monkeypatch):
    for module in (views_comparison, pdca_comparison, kpi_views):
        monkeypatch.setattr(module, "_today", lambda: fx.TODAY)


@pytest.fixture
def figures(pdca_data):
    """東京都 met 2023 (25 of 20) and missed 2024 (15 of 20); 神奈川県 has one KPI met in 2023 (30 of 10)."""
    kpi = pdca_data.tokyo_kpi
    Actual.objects.bulk_create(
        [
            Actual(kpi=kpi, start_year=2023, end_year=2023, half="FY", value=Decimal(25)),
            Actual(kpi=kpi, start_year=2024, end_year=2024, half="FY", value=Decimal(15)),
        ]
    )
    kanagawa = fx.add_regional_kpi(
        pdca_data.plan,
        fx.Organization.objects.get(code="pref-14"),
        code="regional-14-support",
        name="神奈川県 知財相談件数",
        targets={2023: 10, 2024: 10, 2025: 10},
        actuals={"2023": 30, "2024": 12},
    )
    return kpi, kanagawa


def names_in_order(page: str) -> list[str]:
    table = page[page.index('class="data compare"') : page.index("</table>", page.index('class="data compare"'))]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)


def row_text(page: str, name: str) -> str:
    table = page[page.index('class="data compare"') :]
    row = re.search(rf"<tr[^>]*>\s*<th scope=\"row\"><a [^>]+>{name}</a>.*?</tr>", table, flags=re.S)
    assert row, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()


def test_a_bureau_reviewer_compares_its_blocks_prefectures(client, login, pdca_data, figures, kanto_reviewer):
    login(client, kanto_reviewer)

    page = client.get(reverse("pdca:comparison")).content.decode()

    assert "都道府県の比較（関東ブロック）" in page
    assert names_in_order(page) == KANTO
    assert "大阪府" not in names_in_order(page)


def test_jpo_compares_every_prefecture(client, login, pdca_data, jpo_admin):
    login(client, jpo_admin)
    page = client.get(reverse("pdca:comparison")).content.decode()
    assert "都道府県の比較（全国）" in page
    assert len(names_in_order(page)) == 47


def test_its_figures_are_each_kpis_own_achievement(client, login, pdca_data, figures, kanto_reviewer):
    tokyo, kanagawa = figures
    login(client, kanto_reviewer)
    page = client.get(reverse("pdca:comparison")).content.decode()

    for kpi, name in ((tokyo, "東京都"), (kanagawa, "神奈川県")):
        loaded = Kpi.objects.with_values().get(pk=kpi.pk)
        expected = []
        for year in (2023, 2024):
            items = achievement.items_met([achievement.result_for_year(loaded, year, fx.TODAY)])
            expected.append(f"{items.met}／{items.total} {items.rate:.1f}%")
        assert " ".join(expected) in row_text(page, name)
    assert "1／1 100.0% 0／1 0.0%" in row_text(page, "東京都")  # 25 of 20 met, 15 of 20 missed


def test_it_shows_each_half_years_submission_status(client, login, pdca_data, figures, kanto_reviewer):
    fx.advance(fx.make_evaluation(pdca_data.period(2023, "H1"), "pref-13"), "submit", "review", "accept")
    fx.advance(fx.make_evaluation(pdca_data.period(2024, "H1"), "pref-13"), "submit")
    login(client, kanto_reviewer)

    row = row_text(client.get(reverse("pdca:comparison")).content.decode(), "東京都")

    # 2023上期 受理, 2023下期 late and not started, 2024上期 submitted, 2024下期 late, 2025上期 not yet due.
    assert "受理 期限超過（未着手） 提出済み 期限超過（未着手） 未着手" in row


def test_it_sorts_by_a_years_achievement_on_the_server(client, login, pdca_data, figures, kanto_reviewer):
    login(client, kanto_reviewer)
    url = reverse("pdca:comparison")

    by_2024 = names_in_order(client.get(url, {"sort": "-items-2024"}).content.decode())
    assert by_2024[:2] == ["神奈川県", "東京都"]  # 100% before 0%, bodies without items last
    assert names_in_order(client.get(url, {"sort": "items-2024"}).content.decode())[:2] == ["東京都", "神奈川県"]
    assert names_in_order(client.get(url, {"sort": "-code"}).content.decode())[0] == "静岡県"
    page = client.get(url, {"sort": "-items-2024"}).content.decode()
    assert 'href="?plan=3&amp;sort=items-2024"' in page  # the heading now sorts the other way


def test_it_shows_the_comparison_on_the_reviewers_home_only(client, login, pdca_data, kanto_reviewer, tokyo_editor):
    login(client, kanto_reviewer)
    home = client.get(reverse("kpis:dashboard")).content.decode()
    assert "都道府県の比較（関東ブロック）" in home and "東京都" in names_in_order(home)

    login(client, tokyo_editor)
    assert "都道府県の比較" not in client.get(reverse("kpis:dashboard")).content.decode()


def test_it_shows_this_year_beside_last_year_on_the_organisation_page(client, login, pdca_data, figures, tokyo_editor):
    tokyo, _ = figures
    login(client, tokyo_editor)
    page = client.get(reverse("kpis:organization_detail", args=["pref-13"])).content.decode()
    section = page[page.index('id="yoy-heading"') :]
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[: section.index("</tr>", section.index("<tbody>"))]))

    loaded = Kpi.objects.with_values().get(pk=tokyo.pk)
    last = achievement.result_for_year(loaded, 2024, fx.TODAY)
    this = achievement.result_for_year(loaded, 2025, fx.TODAY)
    assert last.achievement == Decimal(75) and this.actual is None
    assert "15社 75% — —" in row  # 2024 beside 2025 (this fiscal year, nothing entered yet)


# --- 督促 --------------------------------------------------------------------------------------------------


def remind(client, code: str = ""):
    data = {"plan": 3, "next": reverse("pdca:comparison")}
    if code:
        data["organization"] = code
    return client.post(reverse("pdca:comparison_remind"), data, follow=True)


def test_a_reviewer_urges_a_late_prefecture_once_a_day(
    client, login, pdca_data, kanto_reviewer, mailoutbox, monkeypatch
):
    login(client, kanto_reviewer)

    first = remind(client, "pref-13")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["tokyo_editor@example.invalid"]
    assert "督促" in mail.subject and "東京都" in mail.subject
    assert "関東局からの督促です" in mail.body and "2024年度下期" in mail.body
    assert "東京都に督促のメールを送信しました（1件）。" in first.content.decode()
    entry = AuditEntry.objects.get(action="pdca.reminder.urged")
    assert entry.actor == kanto_reviewer

    second = remind(client, "pref-13")

    assert len(mailoutbox) == 1  # nothing more the same day
    assert "東京都には本日すでに督促を送信済みのため、送信していません" in second.content.decode()
    assert ReminderLog.objects.filter(organization__code="pref-13").count() == 1

    monkeypatch.setattr(views_comparison, "_today", lambda: fx.TODAY + datetime.timedelta(days=1))
    remind(client, "pref-13")
    assert len(mailoutbox) == 2  # a new day, a new 督促


def test_one_click_urges_every_late_body_of_the_block(client, login, pdca_data, kanto_reviewer, mailoutbox):
    login(client, kanto_reviewer)

    page = remind(client).content.decode()

    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == ["kanagawa_editor@example.invalid", "tokyo_editor@example.invalid"]
    assert "メールアドレスを登録した編集者がいないため、送信できませんでした" in page  # the others have no editor here
    remind(client)
    assert len(mailoutbox) == 2


def test_only_the_bodys_reviewers_may_urge_it(client, login, pdca_data, tokyo_editor, kinki_reviewer, mailoutbox):
    login(client, tokyo_editor)
    assert remind(client, "pref-13").status_code == 403
    login(client, kinki_reviewer)
    assert remind(client, "pref-13").status_code == 404
    assert not mailoutbox and not ReminderLog.objects.exists()


def test_it_compares_a_year_with_the_last_only_once_both_are_complete(pdca_data, figures):
    from chizai.kpis.comparison import year_over_year

    tokyo = Kpi.objects.with_values().get(pk=figures[0].pk)
    computed = {tokyo.pk: achievement.results(tokyo, fx.TODAY)}
    (full_years,) = year_over_year([tokyo], 2024, fx.TODAY, computed)
    assert (full_years.last_year.actual, full_years.this_year.actual, full_years.change) == (25, 15, -10)

    Actual.objects.create(kpi=tokyo, start_year=2025, end_year=2025, half="H1", value=Decimal(3))
    tokyo = Kpi.objects.with_values().get(pk=tokyo.pk)
    (half_year,) = year_over_year([tokyo], 2025, fx.TODAY, {tokyo.pk: achievement.results(tokyo, fx.TODAY)})
    assert half_year.this_year.actual == 3 and half_year.change is None  # 上期 only: nothing to compare yet
