"""Entering actuals and evaluations through the forms: Japanese input, errors, conflicts, subsets, audit."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from chizai.kpis.models import Actual, Evaluation
from chizai.kpis.tests import fixtures_views as fx
from chizai.kpis.tests.fixtures_views import form_version, text_of, user_audits

views_today = fx.views_today
views_data = fx.views_data

pytestmark = pytest.mark.django_db

CONFLICT = "他の利用者が同じ値を更新しています"


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def result_row(page: str, label: str) -> str:
    start = page.index('id="results"')
    table = page[start : page.index("</table>", start)]
    rows = [squeeze(r).strip() for r in re.findall(r"<tr>.*?</tr>", table, flags=re.S)]
    return next(r for r in rows if r.startswith(label))


def actual_url(kpi) -> str:
    return reverse("kpis:actual_edit", args=[kpi.pk])


def evaluation_url(kpi) -> str:
    return reverse("kpis:evaluation_edit", args=[kpi.pk])


def tokyo_actual(views_data, year: int, half: str = "FY") -> Actual | None:
    return Actual.objects.filter(kpi=views_data.tokyo, start_year=year, end_year=year, half=half).first()


# --- actuals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "saved", "shown", "first_half"),
    [
        ("１，２３４", Decimal(1234), "1,234社", "1,234社（8,227%）"),
        ("30", Decimal(30), "30社", "30社（200%）"),
        ("30社", Decimal(30), "30社", "30社（200%）"),
    ],
)
def test_it_saves_a_first_half_actual_typed_the_japanese_way(
    client, login, views_data, tokyo_editor, typed, saved, shown, first_half
):
    login(client, tokyo_editor)
    form = client.get(actual_url(views_data.tokyo), {"year": 2025, "half": "H1"})
    assert form_version(form.content) == 0

    response = client.post(actual_url(views_data.tokyo), {"year": 2025, "half": "H1", "value": typed, "version": 0})

    assert response.status_code == 302
    assert response["Location"] == reverse("kpis:kpi_detail", args=[views_data.tokyo.pk]) + "#actuals"
    actual = tokyo_actual(views_data, 2025, "H1")
    assert actual.value == saved and actual.version == 1 and actual.source == "entered"
    page = text_of(client.get(response["Location"]))
    assert "2025年度上期の実績を保存しました。" in page
    row = result_row(page, "2025年度")
    assert row.startswith(f"2025年度 15社 {shown} （上期まで）")
    assert first_half in row  # the 上期 figure against the year's target
    entry = user_audits(views_data.tokyo).get()
    assert entry.actor == tokyo_editor and entry.action == "kpi.actual.created"
    assert entry.changes["value"] == [None, str(saved)]


def test_it_offers_the_existing_figure_and_its_version_in_the_form(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    page = text_of(client.get(actual_url(views_data.tokyo), {"year": 2023, "half": "FY"}))

    assert form_version(page) == 1
    value = re.search(r'<input[^>]*id="id_value"[^>]*>', page)
    assert value and 'name="value"' in value.group(0) and 'value="12' in value.group(0)
    assert re.search(r'<option value="2023"\s*selected>', page)
    assert "現在の値: 12社" in page


def test_it_reloads_only_the_form_for_htmx(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    response = client.get(actual_url(views_data.tokyo), {"year": 2024, "half": "FY"}, HTTP_HX_REQUEST="true")

    page = text_of(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<form method="post"') and 'id="actual-form"' in page
    assert form_version(page) == 1
    assert 'value="9' in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "数値を入力してください"),
        ("1.2.3", "数値を入力してください"),
        ("-5", "0以上の数値を入力してください"),
        ("△5", "0以上の数値を入力してください"),
        ("1.234", "小数点以下は2桁までで入力してください"),
    ],
)
def test_it_refuses_bad_input_with_a_japanese_error_and_saves_nothing(
    client, login, views_data, tokyo_editor, typed, message
):
    login(client, tokyo_editor)

    response = client.post(actual_url(views_data.tokyo), {"year": 2025, "half": "H1", "value": typed, "version": 0})

    assert response.status_code == 200
    page = text_of(response)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert f'value="{typed}"' in page  # what the user typed stays in the field
    assert tokyo_actual(views_data, 2025, "H1") is None
    assert not user_audits().exists()


def test_it_refuses_a_year_outside_the_plan(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    response = client.post(actual_url(views_data.tokyo), {"year": 2030, "half": "FY", "value": "3", "version": 0})

    assert response.status_code == 200
    assert not Actual.objects.filter(kpi=views_data.tokyo, start_year=2030).exists()


def test_it_keeps_the_first_of_two_concurrent_new_entries(client, login, views_data, tokyo_editor):
    url = actual_url(views_data.tokyo)
    login(client, tokyo_editor)
    first_seen = form_version(client.get(url, {"year": 2025, "half": "H1"}).content)
    second_seen = form_version(client.get(url, {"year": 2025, "half": "H1"}).content)
    assert first_seen == second_seen == 0

    first = client.post(url, {"year": 2025, "half": "H1", "value": "30", "version": first_seen})
    second = client.post(url, {"year": 2025, "half": "H1", "value": "40", "version": second_seen})

    assert first.status_code == 302
    assert second.status_code == 200
    assert CONFLICT in text_of(second)
    assert 'role="alert"' in text_of(second)
    assert "現在の値: 30社" in text_of(second)  # the figure that won is shown with the conflict
    assert tokyo_actual(views_data, 2025, "H1").value == 30
    assert user_audits(views_data.tokyo).count() == 1


def test_it_keeps_the_first_of_two_concurrent_updates(client, login, views_data, tokyo_editor, jpo_admin):
    url = actual_url(views_data.tokyo)
    other = client.__class__()
    login(client, tokyo_editor)
    login(other, jpo_admin)
    mine = form_version(client.get(url, {"year": 2024, "half": "FY"}).content)
    theirs = form_version(other.get(url, {"year": 2024, "half": "FY"}).content)

    assert other.post(url, {"year": 2024, "half": "FY", "value": "11", "version": theirs}).status_code == 302
    response = client.post(url, {"year": 2024, "half": "FY", "value": "13", "version": mine})

    assert response.status_code == 200
    assert CONFLICT in text_of(response)
    actual = tokyo_actual(views_data, 2024)
    assert actual.value == 11 and actual.version == 2
    [entry] = user_audits(views_data.tokyo)
    assert entry.actor == jpo_admin and entry.changes["value"] == ["9", "11"]


def test_it_deletes_an_actual_saved_empty_and_audits_it(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = actual_url(views_data.tokyo)
    version = form_version(client.get(url, {"year": 2023, "half": "FY"}).content)

    response = client.post(url, {"year": 2023, "half": "FY", "value": "", "version": version})

    assert response.status_code == 302
    assert tokyo_actual(views_data, 2023) is None
    entry = user_audits(views_data.tokyo).get()
    assert entry.actor == tokyo_editor and entry.action == "kpi.actual.deleted"
    assert entry.changes["value"] == ["12", None]
    page = text_of(client.get(response["Location"]))
    assert "2023年度の実績を削除しました。" in page
    assert result_row(page, "2023年度").startswith("2023年度 10社 —")


def test_it_refuses_an_attached_kpi_above_its_core_kpi(client, login, views_data, jpo_admin):
    login(client, jpo_admin)
    core = views_data.kpi(views_data.plan3, "core-model-case-support")
    attached = views_data.kpi(views_data.plan3, "core-regional-discovery")
    assert client.post(actual_url(core), {"year": 2024, "half": "FY", "value": "10", "version": 0}).status_code == 302

    refused = client.post(actual_url(attached), {"year": 2024, "half": "FY", "value": "12", "version": 0})
    accepted = client.post(actual_url(attached), {"year": 2024, "half": "FY", "value": "10", "version": 0})

    assert refused.status_code == 200
    page = text_of(refused)
    assert "内数" in page and "超えています" in page
    assert "12件" in page and "10件" in page
    assert accepted.status_code == 302
    assert attached.actuals.get(start_year=2024, half="FY").value == 10


def test_it_refuses_lowering_a_core_kpi_below_its_attached_kpi(client, login, views_data, jpo_admin):
    login(client, jpo_admin)
    core = views_data.kpi(views_data.plan3, "core-model-case-support")
    attached = views_data.kpi(views_data.plan3, "core-regional-discovery")
    client.post(actual_url(core), {"year": 2023, "half": "FY", "value": "60", "version": 0})
    client.post(actual_url(attached), {"year": 2023, "half": "FY", "value": "8", "version": 0})

    response = client.post(actual_url(core), {"year": 2023, "half": "FY", "value": "5", "version": 1})

    assert response.status_code == 200
    assert "下回れません" in text_of(response)
    assert core.actuals.get(start_year=2023, half="FY").value == 60


def test_it_saves_a_ratio_from_numerator_and_denominator(client, login, views_data, jpo_admin):
    login(client, jpo_admin)
    ratio = views_data.kpi(views_data.plan3, "effect-ip-in-strategy")
    url = actual_url(ratio)
    assert 'name="numerator"' in text_of(client.get(url))

    too_much = client.post(url, {"year": 2023, "half": "FY", "value": "120", "version": 0})
    saved = client.post(url, {"year": 2023, "half": "FY", "numerator": "45", "denominator": "60", "version": 0})

    assert "割合は100%以下で入力してください" in text_of(too_much)
    assert saved.status_code == 302
    assert ratio.actuals.get().figure == Decimal("75.0")
    assert user_audits(ratio).get().actor == jpo_admin


# --- evaluations ------------------------------------------------------------------------------------------


def test_it_saves_then_updates_an_evaluation_with_audit(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = evaluation_url(views_data.tokyo)
    assert form_version(client.get(url, {"period": "2024-2024"}).content) == 0

    created = client.post(url, {"period": "2024-2024", "text": "  目標に届かなかった。  ", "version": 0})
    form = text_of(client.get(url, {"period": "2024-2024"}))
    updated = client.post(url, {"period": "2024-2024", "text": "目標に届かなかったが、下期は回復した。", "version": 1})

    assert created.status_code == updated.status_code == 302
    assert created["Location"].endswith("#evaluations")
    assert "目標に届かなかった。</textarea>" in form and form_version(form) == 1
    evaluation = Evaluation.objects.get(kpi=views_data.tokyo)
    assert evaluation.text == "目標に届かなかったが、下期は回復した。" and evaluation.version == 2
    actions = list(user_audits(views_data.tokyo).order_by("pk").values_list("action", "actor__username"))
    assert actions == [("kpi.evaluation.created", "tokyo_editor"), ("kpi.evaluation.updated", "tokyo_editor")]
    page = text_of(client.get(reverse("kpis:kpi_detail", args=[views_data.tokyo.pk])))
    assert "目標に届かなかったが、下期は回復した。" in page


def test_it_saves_an_evaluation_of_the_whole_plan_period(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    response = client.post(evaluation_url(views_data.tokyo), {"period": "2023-2025", "text": "総括", "version": 0})

    assert response.status_code == 302
    evaluation = Evaluation.objects.get(kpi=views_data.tokyo)
    assert (evaluation.start_year, evaluation.end_year) == (2023, 2025)


def test_it_keeps_the_first_of_two_concurrent_evaluations(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = evaluation_url(views_data.tokyo)
    seen = [form_version(client.get(url, {"period": "2025-2025"}).content) for _ in range(2)]

    first = client.post(url, {"period": "2025-2025", "text": "一人目の評価", "version": seen[0]})
    second = client.post(url, {"period": "2025-2025", "text": "二人目の評価", "version": seen[1]})

    assert first.status_code == 302
    assert second.status_code == 200
    assert CONFLICT in text_of(second)
    assert "二人目の評価" in text_of(second)  # the text typed is not lost
    assert Evaluation.objects.get(kpi=views_data.tokyo).text == "一人目の評価"
    assert user_audits(views_data.tokyo).count() == 1


def test_it_deletes_an_evaluation_saved_empty(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)
    url = evaluation_url(views_data.tokyo)
    client.post(url, {"period": "2025-2025", "text": "消す予定", "version": 0})

    response = client.post(url, {"period": "2025-2025", "text": "", "version": 1})

    assert response.status_code == 302
    assert not Evaluation.objects.filter(kpi=views_data.tokyo).exists()
    assert user_audits(views_data.tokyo).order_by("-pk").first().action == "kpi.evaluation.deleted"


def test_it_refuses_an_unknown_evaluation_period(client, login, views_data, tokyo_editor):
    login(client, tokyo_editor)

    response = client.post(evaluation_url(views_data.tokyo), {"period": "2019-2030", "text": "x", "version": 0})

    assert response.status_code == 200
    assert not Evaluation.objects.filter(kpi=views_data.tokyo).exists()
    assert not user_audits().exists()
