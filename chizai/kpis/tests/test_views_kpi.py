"""The KPI page: definition, targets and actuals, the inline chart, evaluations and the change history."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import TOKYO_KPI_NAME, form_version, text_of

views_today = fx.views_today
views_data = fx.views_data

pytestmark = pytest.mark.django_db


def squeeze(html: str) -> str:
    """The page text with tags replaced by single spaces, for reading table rows as a person does."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def rows_of(html: str) -> list[str]:
    """The body rows of the table(s) in `html`, each as plain text."""
    return [squeeze(row).strip() for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if "<td" in row]


def row_starting(html: str, label: str) -> str:
    matches = [row for row in rows_of(html) if row.startswith(label)]
    assert len(matches) == 1, (label, rows_of(html))
    return matches[0]


def test_it_shows_the_definition_of_a_regional_kpi(client, login, views_data, tokyo_viewer):
    login(client, tokyo_viewer)

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))

    assert f"<h1>{TOKYO_KPI_NAME}</h1>" in page
    definition = squeeze(section(page, "definition-heading"))
    assert "種類 地域KPI" in definition
    assert "関係主体 東京都" in definition
    assert "型 期間ごとの目標（年度単位・多いほど良い（以上））" in definition
    assert "単位 社" in definition
    assert reverse("kpis:organization_detail", args=["pref-13"]) in page  # the breadcrumb


def test_it_shows_targets_actuals_achievement_and_status_per_year(client, login, views_data, tokyo_viewer):
    login(client, tokyo_viewer)

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))

    results = section(page, "results")
    assert row_starting(results, "2023年度") == "2023年度 10社 12社 120% — — 達成"
    assert row_starting(results, "2024年度") == "2024年度 12社 9社 75% — — 未達"
    assert row_starting(results, "2025年度") == "2025年度 15社 — — — — 評価不能"
    actuals = section(page, "actuals")
    assert row_starting(actuals, "2023年度").startswith("2023年度 令和5年度 12社 — — ")
    assert row_starting(actuals, "2023年度").endswith("画面入力")
    assert row_starting(actuals, "2025年度") == "2025年度 令和7年度 — — —"


def test_it_shows_the_first_half_and_the_year_end_forecast(client, login, views_data, kinki_reviewer):
    login(client, kinki_reviewer)

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.osaka.pk])))

    # 上期 8社 against a year target of 20社; no earlier year has halves, so the forecast doubles it.
    row = row_starting(section(page, "results"), "2025年度")
    assert row == "2025年度 20社 8社 （上期まで） 40% 8社（40%） 16社（80%） 評価不能"
    assert row_starting(section(page, "actuals"), "2025年度").startswith("2025年度 令和7年度 8社 8社 —")


def test_it_draws_the_inline_svg_chart(client, login, views_data, tokyo_viewer):
    login(client, tokyo_viewer)

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))

    svg = re.search(r'<svg [^>]*class="chart-svg"[^>]*>.*?</svg>', page, flags=re.S)  # not an achievement bar
    assert svg is not None
    assert 'role="img"' in svg.group(0).split(">", 1)[0]
    assert '<title id="chart-title">実績と目標の推移</title>' in svg.group(0)
    assert "2023年度 実績12社 目標10社、2024年度 実績9社 目標12社、2025年度 実績—社 目標15社" in svg.group(0)
    assert svg.group(0).count('class="bar-rect status-') == 3
    assert svg.group(0).count('class="target-mark"') == 3
    assert 'class="bar-rect status-achieved"' in svg.group(0)


def test_it_draws_no_chart_before_anything_is_measured(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)
    core = views_data.kpi(views_data.plan3, "core-model-case-support")

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[core.pk])))

    assert "<svg" not in page
    assert "60件" in squeeze(section(page, "results"))


def test_it_shows_the_evaluations_from_the_plan_file(client, login, views_data, jpo_viewer):
    login(client, jpo_viewer)
    growth = views_data.kpi(views_data.plan2, "effect-business-growth")

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[growth.pk])))

    evaluations = section(page, "evaluations")
    assert "<h3>2020～2022年度</h3>" in evaluations
    assert "更にそれら2つに関連があると回答した企業は251社となった。" in evaluations
    assert "167.3%" in squeeze(section(page, "results"))
    assert "編集" not in evaluations  # a viewer gets no edit link


def test_it_shows_an_evaluation_entered_through_the_form(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = reverse("kpis:evaluation_edit", args=[views_data.tokyo.pk])

    response = client.post(url, {"period": "2024-2024", "text": "支援機関との連携が遅れ、未達となった。", "version": 0})

    assert response.status_code == 302
    page = text_of(client.get(response["Location"]))
    evaluations = section(page, "evaluations")
    assert "<h3>2024年度</h3>" in evaluations
    assert "支援機関との連携が遅れ、未達となった。" in evaluations
    assert f"{url}?period=2024-2024" in evaluations
    assert "評価を保存しました。" in page


def test_it_shows_the_change_history_after_an_edit_through_the_form(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = reverse("kpis:actual_edit", args=[views_data.tokyo.pk])
    version = form_version(client.get(url, {"year": 2023, "half": "FY"}).content)

    response = client.post(url, {"year": 2023, "half": "FY", "value": "14", "version": version})

    assert response.status_code == 302
    assert response["Location"] == reverse("kpis:kpi_detail", args=[views_data.tokyo.pk]) + "#actuals"
    page = text_of(client.get(response["Location"]))
    [entry] = rows_of(section(page, "history"))
    assert "tokyo_editor" in entry
    assert f"{TOKYO_KPI_NAME} 実績 2023年度" in entry
    assert re.search(r": 12 → 14\b", entry), entry
    assert row_starting(section(page, "results"), "2023年度").startswith("2023年度 10社 14社 140%")


def test_it_lists_the_history_newest_first_with_each_actor(client, login, views_data, tokyo_editor, jpo_admin):
    url = reverse("kpis:actual_edit", args=[views_data.tokyo.pk])
    login(client, tokyo_editor)
    client.post(url, {"year": 2025, "half": "H1", "value": "6", "version": 0})
    login(client, jpo_admin)
    client.post(url, {"year": 2025, "half": "H1", "value": "7", "version": 1})

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))

    rows = rows_of(section(page, "history"))
    assert len(rows) == 2
    assert "jpo_admin" in rows[0] and re.search(r": 6 → 7\b", rows[0]) and "2025年度上期" in rows[0]
    assert "tokyo_editor" in rows[1] and re.search(r": （なし） → 6\b", rows[1])


def test_it_shows_an_empty_history_for_untouched_figures(client, login, views_data, tokyo_viewer):
    login(client, tokyo_viewer)

    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))

    assert "変更履歴はありません。" in page


def test_a_kept_kpi_page_reads_no_rows_shows_a_change_at_once_and_keeps_edit_links_to_editors(
    client, login, views_data, tokyo_viewer, tokyo_editor, fragment_cache
):
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chizai.kpis.actions import save_actual

    url = reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])
    edit_url = reverse("kpis:actual_edit", args=[views_data.tokyo.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    login(client, tokyo_editor)
    cold = queries()
    assert queries() < cold - 5  # no targets, actuals, evaluations, figures, subsets, history or revisions
    assert edit_url in text_of(client.get(url))
    client.logout()

    login(client, tokyo_viewer)
    page = text_of(client.get(url))
    assert edit_url not in page  # the editor's kept page is not the viewer's
    assert "12社" in row_starting(section(page, "results"), "2023年度")

    actual = views_data.tokyo.actuals.get(start_year=2023, half="FY")
    save_actual(
        kpi=views_data.tokyo,
        start_year=2023,
        end_year=2023,
        value=Decimal(13),
        expected_version=actual.version,
        actor=tokyo_editor,
        reason="訂正",
    )

    assert "13社" in row_starting(section(text_of(client.get(url)), "results"), "2023年度")
