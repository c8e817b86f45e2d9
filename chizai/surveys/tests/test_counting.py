"""KPIs counted from the follow-up survey's answers: the effect indicator's share and the 2nd plan's counts, stored
with the source "survey" and the response rate, recomputed on every invitation and answer, shown beside the figure
and drilled through to the answers (anonymous ones without their company; another body's not at all)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chizai.cases.tests import fixtures_counting as fc
from chizai.kpis.actions import SURVEY_MESSAGE, counted_refusal, save_actual, save_kpi
from chizai.kpis.models import Actual, ActualSource, HalfChoice, Kpi, KpiKind, Plan, Shape
from chizai.organizations.models import Organization
from chizai.surveys import actions, counting
from chizai.surveys.demo import FOLLOW_UP_QUESTIONS
from chizai.surveys.models import Audience, Channel, Questionnaire
from chizai.surveys.tests.test_surveys import user

counting_plan = fc.counting_plan
make_case = fc.make_case

NOW = timezone.make_aware(datetime.datetime(2025, 10, 1, 10, 0))
YEAR = 2025
FELT = ["社内の知財意識が高まった"]
YES_YES = {"ip_in_strategy": "はい", "acted": "はい", "growth": "はい", "ip_used": "はい", "impressions": FELT}
YES_NO = {"ip_in_strategy": "はい", "acted": "いいえ", "growth": "はい", "ip_used": "いいえ", "impressions": FELT}
NO = {"ip_in_strategy": "いいえ", "growth": "いいえ", "ip_used": "はい", "impressions": FELT}


def follow_up(*, anonymous: bool = False, code: str = "follow-up") -> Questionnaire:
    made = actions.create_questionnaire(
        code=code,
        title="フォローアップ調査",
        audience=Audience.COMPANY,
        questions=FOLLOW_UP_QUESTIONS,
        anonymous=anonymous,
        actor=user("jpo_admin"),
    )
    return actions.send_questionnaire(questionnaire=made, actor=user("jpo_admin"))


def survey_kpi(plan: Plan, rule: str, *, code: str = "survey-effect", ratio: bool = True) -> Kpi:
    values = {
        "kind": KpiKind.EFFECT,
        "name": "調査回答による効果指標",
        "owner": Organization.objects.get(code="jpo"),
        "unit": "%" if ratio else "社",
        "shape": Shape.RATIO if ratio else Shape.PER_PERIOD,
        "counting_rule": rule,
    }
    return save_kpi(plan=plan, code=code, values=values, actor=user("jpo_admin"))[0]


def full_year(kpi: Kpi) -> Actual | None:
    return Actual.objects.filter(kpi=kpi, start_year=YEAR, end_year=YEAR, half=HalfChoice.FULL).first()


def invite(case: Any, questionnaire: Questionnaire) -> tuple[Any, str]:
    return actions.invite_case(
        questionnaire=questionnaire, case=case, email="c@example.jp", actor=None, now=NOW, fiscal_year=YEAR
    )


@pytest.fixture
def surveyed(counting_plan: Plan, make_case: Any) -> dict[str, Any]:
    """Four invitations of FY2025: yes/yes on the web, yes/no by phone, a no, and one not answered."""
    kpi = survey_kpi(counting_plan, counting.IpStrategyActedShare.name)
    questionnaire = follow_up()
    cases = [make_case(2024) for _ in range(4)]
    invitations = [invite(case, questionnaire) for case in cases]
    actions.submit_answers(token=invitations[0][1], raw=YES_YES, now=NOW)
    actions.enter_answers(
        invitation=invitations[1][0], raw=YES_NO, channel=Channel.PHONE, actor=user("jpo_admin"), now=NOW
    )
    actions.submit_answers(token=invitations[2][1], raw=NO, now=NOW)
    return {"kpi": kpi, "plan": counting_plan, "cases": cases, "questionnaire": questionnaire}


def test_the_effect_indicator_is_the_share_of_answers_with_ip_in_the_strategy_and_acted_on(surveyed: Any) -> None:
    actual = full_year(surveyed["kpi"])

    assert actual is not None and actual.source == ActualSource.SURVEY
    assert (actual.numerator, actual.denominator) == (Decimal(1), Decimal(3))
    assert actual.figure == Decimal("33.3")
    assert actual.source_note == "回答率 75.0%（3件／4件）"


def test_an_invitation_alone_changes_the_response_rate_and_an_answer_the_share(surveyed: Any, make_case: Any) -> None:
    invitation, token = invite(make_case(2024), surveyed["questionnaire"])
    assert full_year(surveyed["kpi"]).source_note == "回答率 60.0%（3件／5件）"  # type: ignore[union-attr]

    actions.submit_answers(token=token, raw=YES_YES, now=NOW)

    actual = full_year(surveyed["kpi"])
    assert actual is not None and (actual.numerator, actual.denominator) == (Decimal(2), Decimal(4))
    assert actual.source_note == "回答率 80.0%（4件／5件）"


def test_no_invitation_no_figure_and_another_year_stays_empty(counting_plan: Plan) -> None:
    kpi = survey_kpi(counting_plan, counting.IpStrategyActedShare.name)
    follow_up()

    assert not Actual.objects.filter(kpi=kpi).exists()


def test_anonymous_answers_count_too(counting_plan: Plan, make_case: Any) -> None:
    kpi = survey_kpi(counting_plan, counting.IpStrategyActedShare.name)
    anonymous = follow_up(anonymous=True, code="anonymous-follow-up")
    _invitation, token = invite(make_case(2024), anonymous)

    actions.submit_answers(token=token, raw=YES_YES, now=NOW)

    actual = full_year(kpi)
    assert actual is not None and actual.figure == Decimal(100) and actual.source_note == "回答率 100.0%（1件／1件）"


def test_the_second_plans_counts_are_companies_answering_yes(surveyed: Any) -> None:
    plan = surveyed["plan"]
    growth = survey_kpi(plan, counting.BusinessGrowth.name, code="growth", ratio=False)
    used = survey_kpi(plan, counting.IpUsed.name, code="used", ratio=False)
    both = survey_kpi(plan, counting.GrowthAndIpUsed.name, code="both", ratio=False)
    out = StringIO()

    call_command("recompute_kpis", "--plan", "3", "--today", "2025-10-20", stdout=out)

    assert [full_year(k).value for k in (growth, used, both)] == [2, 2, 1]  # type: ignore[union-attr]
    assert "更新 3件" in out.getvalue()  # the three new KPIs; the share was already current


def test_a_survey_figure_cannot_be_typed_over(surveyed: Any) -> None:
    with pytest.raises(ValidationError, match=SURVEY_MESSAGE):
        save_actual(
            kpi=surveyed["kpi"],
            start_year=YEAR,
            end_year=YEAR,
            value=Decimal(99),
            expected_version=None,
            actor=user("jpo_admin"),
        )


def test_the_api_and_the_import_refuse_a_survey_figure_saying_it_comes_from_the_answers(surveyed: Any) -> None:
    from rest_framework.test import APIClient

    kpi = surveyed["kpi"]
    api = APIClient()
    api.force_authenticate(user("jpo_admin"))

    response = api.put(f"/api/kpis/{kpi.pk}/actuals/", {"year": YEAR, "value": 99, "version": 0}, format="json")

    assert response.status_code == 400
    said = response.json()["detail"]
    assert said == "この指標の実績はアンケートの回答から自動集計されるため、APIからは入力できません。"
    assert full_year(kpi).figure == Decimal("33.3")  # type: ignore[union-attr]
    # The import's row message (chizai.exchange.import_actuals) is built the same way.
    assert (
        counted_refusal(kpi, "取り込めません")
        == "この指標の実績はアンケートの回答から自動集計されるため、取り込めません。"
    )


def test_the_response_rate_stands_beside_the_figure_and_the_figure_drills_through_to_the_answers(
    surveyed: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chizai.kpis import views

    monkeypatch.setattr(views, "_today", lambda: fc.TODAY)
    client.force_login(user("jpo_admin"))
    kpi = surveyed["kpi"]

    for page in (reverse("kpis:dashboard"), reverse("kpis:kpi_detail", args=[kpi.pk])):
        html = client.get(page).content.decode()
        assert "回答率 75.0%（3件／4件）" in html, page
        assert reverse("cases:kpi_drill", args=[kpi.pk, YEAR]) in html

    drill = client.get(reverse("cases:kpi_drill", args=[kpi.pk, YEAR]), follow=True)
    html = drill.content.decode()
    assert drill.redirect_chain[-1][0] == reverse("surveys:kpi_answers", args=[kpi.pk, YEAR])
    assert html.count("<tr>") == 1 + 3  # the heading and the three answers, the counted one first
    assert html.index("該当") < html.index("非該当")
    assert "電話で聴取して入力" in html and "入力: jpo_admin" in html
    assert "回答率 75.0%（3件／4件）" in html


def test_the_drill_through_shows_no_company_of_an_anonymous_answer(counting_plan: Plan, make_case: Any) -> None:
    kpi = survey_kpi(counting_plan, counting.IpStrategyActedShare.name)
    anonymous = follow_up(anonymous=True, code="anonymous-follow-up")
    case = make_case(2024)
    _invitation, token = invite(case, anonymous)
    actions.submit_answers(token=token, raw=YES_YES, now=NOW)
    client = Client()
    client.force_login(user("jpo_admin"))

    html = client.get(reverse("surveys:kpi_answers", args=[kpi.pk, YEAR])).content.decode()

    assert "匿名の回答（企業とは結び付けていません）" in html
    assert case.company.name not in html and reverse("surveys:case_surveys", args=[case.pk]) not in html


def test_another_body_sees_the_figure_but_not_the_answers_of_cases_it_does_not_support(surveyed: Any) -> None:
    client = Client()
    client.force_login(user("osaka_editor"))

    html = client.get(reverse("surveys:kpi_answers", args=[surveyed["kpi"].pk, YEAR])).content.decode()

    assert "3件（あなたの組織が支援していない案件の回答" in html
    assert not any(case.company.name in html for case in surveyed["cases"])


def test_the_drill_through_costs_the_same_whatever_the_number_of_answers(
    surveyed: Any, make_case: Any, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    client.force_login(user("jpo_admin"))
    url = reverse("surveys:kpi_answers", args=[surveyed["kpi"].pk, YEAR])
    for _ in range(5):
        _invitation, token = invite(make_case(2024), surveyed["questionnaire"])
        actions.submit_answers(token=token, raw=YES_YES, now=NOW)

    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200


def test_a_kpi_not_counted_from_answers_has_no_answer_list(counting_plan: Plan) -> None:
    client = Client()
    client.force_login(user("jpo_admin"))
    kpi = Kpi.objects.get(plan=counting_plan, code=fc.EFFECT)

    assert client.get(reverse("surveys:kpi_answers", args=[kpi.pk, YEAR])).status_code == 404
