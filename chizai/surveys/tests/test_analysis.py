"""Results as the plan shows them, cross-tabulated; who sees which aggregates, free texts and raw answers; the
CP932/xlsx export; and the analysis fed back to the regions (page and document)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from chizai.audit.models import AuditEntry
from chizai.cases.tests import fixtures_cases as fx
from chizai.surveys import actions
from chizai.surveys.crosstab import crosstab, dimensions_for, size_band
from chizai.surveys.models import Response
from chizai.surveys.tests.test_surveys import GOOD, NOW, invite, sent_questionnaire

cases_data = fx.cases_data
cases_today = fx.cases_today


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(fx.user(username))
    return client


def answered(cases_data: fx.CasesData, anonymous: bool = False) -> Any:
    """Satisfaction 5 (東京, regional), 4 (神奈川, regional), 4 (北海道, push): known shares overall and per group."""
    questionnaire = sent_questionnaire(anonymous=anonymous)
    for case, score, comment in (
        (cases_data.tokyo_case, "5", "東京の感想"),
        (cases_data.kanagawa_case, "4", "神奈川の感想"),
        (cases_data.push_case, "4", "北海道の感想"),
    ):
        _invitation, token = invite(case, questionnaire)
        actions.submit_answers(token=token, raw={**GOOD, "satisfaction": score, "comment": comment}, now=NOW)
    return questionnaire


def shares(row: Any) -> dict[str, Decimal]:
    return {share.option: share.percent for share in row.distribution.shares if share.count}


def test_it_cross_tabulates_with_the_plans_rounding(cases_data: fx.CasesData) -> None:
    questionnaire = answered(cases_data)
    questions = list(questionnaire.questions.all())
    responses = Response.objects.filter(questionnaire=questionnaire)
    overall, push, regional = crosstab(questions, responses, "origin")["satisfaction"]
    assert overall.distribution.n == 3 and shares(overall) == {"4": Decimal("66.7"), "5": Decimal("33.3")}
    assert (push.distribution.label, push.distribution.n, shares(push)) == (
        "プッシュ型",
        1,
        {"4": 100},
    )
    assert regional.distribution.n == 2 and shares(regional) == {"4": 50, "5": 50}
    blocks = crosstab(questions, responses, "block")["satisfaction"]
    assert [(r.distribution.label, r.distribution.n) for r in blocks] == [("全体", 3), ("北海道局", 1), ("関東局", 2)]
    (_all, sized) = crosstab(questions, responses, "size")["satisfaction"]
    assert sized.distribution.label == "101〜300人"  # every fixture company has 120 employees
    effects = crosstab(questions, responses, "")["effects"][0]  # multiple choice: each share of n, sum > 100%
    assert shares(effects) == {"売上増": 100, "出願": 100}


def test_small_groups_hide_their_shares_outside_jpo(cases_data: fx.CasesData) -> None:
    questionnaire = answered(cases_data)
    rows = crosstab(list(questionnaire.questions.all()), Response.objects.all(), "block", min_n=3)["satisfaction"]
    assert [row.hidden for row in rows] == [False, True, True]


def test_size_bands_follow_the_head_count() -> None:
    assert [size_band(n)[1] for n in (None, 20, 21, 300, 301)] == [
        "（従業員数不明）",
        "20人以下",
        "21〜50人",
        "101〜300人",
        "301人以上",
    ]


def test_an_anonymous_questionnaire_splits_only_by_block_and_year(cases_data: fx.CasesData) -> None:
    assert list(dimensions_for(sent_questionnaire(anonymous=True, code="anon"))) == ["", "block", "fiscal_year"]


def test_each_body_sees_its_own_aggregates(cases_data: fx.CasesData) -> None:
    questionnaire = answered(cases_data)
    url = f"/surveys/{questionnaire.pk}/results/?split=block"
    jpo = signed_in("jpo_admin").get(url).content.decode()
    assert "回答率 100.0%（3件／3件）" in jpo and "全体（n=3）" in jpo and "66.7%（2）" in jpo
    kanto = signed_in("kanto_reviewer").get(url).content.decode()
    assert "回答 2件の集計" in kanto and "北海道局" not in kanto
    assert "3件未満のため非表示" in kanto and "50.0%" not in kanto  # n=2: counted, shares withheld
    tokyo = signed_in("tokyo_editor").get(url).content.decode()
    assert "回答 1件の集計" in tokyo
    assert signed_in("inpit_editor").get(url).status_code == 404


def test_free_texts_follow_the_cases_the_reader_sees_in_full(cases_data: fx.CasesData) -> None:
    questionnaire = answered(cases_data)
    url = f"/surveys/{questionnaire.pk}/texts/"
    page = signed_in("jpo_admin").get(url + "?q=東京").content.decode()
    assert "東京の感想" in page and "神奈川の感想" not in page and f"支援事例 #{cases_data.tokyo_case.pk}" in page
    assert AuditEntry.objects.filter(action="surveys.free_texts.viewed").exists()
    # 東京都 referred its case but sees only its stage: not what the company wrote.
    assert "東京の感想" not in signed_in("tokyo_editor").get(url).content.decode()


def test_anonymous_free_texts_list_without_identifying_columns(cases_data: fx.CasesData) -> None:
    questionnaire = answered(cases_data, anonymous=True)
    page = signed_in("kanto_reviewer").get(f"/surveys/{questionnaire.pk}/texts/").content.decode()
    assert "東京の感想" in page and "北海道の感想" not in page  # its block's, not another's
    assert "支援事例 #" not in page and "回答元" not in page


def test_the_csv_export_is_cp932_audited_and_names_companies_only_when_named(cases_data: fx.CasesData) -> None:
    named = answered(cases_data)
    response = signed_in("jpo_admin").get(f"/reports/surveys/{named.pk}/answers.csv")
    text = b"".join(response.streaming_content).decode("cp932")  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert "企業名" in text.splitlines()[0] and "東京の感想" in text and "101〜300人" not in text
    assert AuditEntry.objects.filter(action="surveys.answers.exported", object_id=str(named.pk)).count() == 1
    anonymous = sent_questionnaire(anonymous=True, code="anon")
    _invitation, token = invite(cases_data.tokyo_case, anonymous)
    actions.submit_answers(token=token, raw={**GOOD, "comment": "匿名の感想"}, now=NOW)
    download = signed_in("jpo_admin").get(f"/reports/surveys/{anonymous.pk}/answers.xlsx")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    header, row = list(book.active.iter_rows(values_only=True))
    assert header[:3] == ("年度", "ブロック", "回答月") and "企業名" not in header and "回答番号" not in header
    assert "匿名の感想" in row and fx.TOKYO_COMPANY not in row and row[2] == "2025/11"


def test_raw_answers_follow_permissions(cases_data: fx.CasesData) -> None:
    named = answered(cases_data)
    anonymous = sent_questionnaire(anonymous=True, code="anon")
    assert signed_in("kanto_reviewer").get(f"/reports/surveys/{anonymous.pk}/answers.csv").status_code == 404
    response = signed_in("kanto_reviewer").get(f"/reports/surveys/{named.pk}/answers.csv")
    lines = b"".join(response.streaming_content).decode("cp932").splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1  # the header only: the bureau supports none of these cases itself


@pytest.mark.parametrize("username", ["jpo_admin", "kanto_reviewer", "tokyo_editor"])
def test_the_results_page_costs_the_same_whatever_the_answers(
    cases_data: fx.CasesData, username: str, django_assert_max_num_queries: Any
) -> None:
    questionnaire = answered(cases_data)
    client = signed_in(username)
    client.get(f"/surveys/{questionnaire.pk}/results/")  # warm the session
    with django_assert_max_num_queries(14):
        assert client.get(f"/surveys/{questionnaire.pk}/results/?split=industry").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/surveys/{questionnaire.pk}/texts/").status_code == 200


def test_the_regional_analysis_counts_the_follow_up_surveys_yes_answers(cases_data: fx.CasesData) -> None:
    from chizai.organizations.models import Organization
    from chizai.surveys.analysis import regional_analysis

    answered(cases_data)
    report = regional_analysis(Organization.objects.get(code="bureau-kanto"), today=NOW.date())
    assert report.survey_answers == 2  # 東京 and 神奈川: the 北海道 answer belongs to another block
    assert ("知財を経営戦略に位置付けましたか。", 2, 2, Decimal(100)) in report.survey_outcomes
    assert report.outcomes[0] == ("知財を経営戦略に位置づけた", 2, 2, Decimal(100))  # fill_record's outcome
