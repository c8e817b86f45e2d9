"""KPIs counted from the follow-up survey's answers (調査回答から集計), beside those counted from cases.

A rule here is a `chizai.cases.counting.CountingRule` registered from the surveys app's ready(), so the plan
loader accepts its name and `recompute_plan` / `chizai recompute_kpis` recompute it with the others. Its figure is
stored through `kpis.actions.save_actual` with the source "survey", and its note is the response rate (回答率:
invitations answered / invitations sent) of the same year, shown beside the figure on every page.

Which answers: those to every company questionnaire (any code, any version) that asks the rule's questions by
their stable keys, in the survey's fiscal year (`Response.fiscal_year`, the invitation's year; kept on an
anonymous answer too). An answer counts when each of the rule's questions was answered 「はい」 — a question
skipped by its display condition (「実行に移した」 after 「位置付けていない」) is not a 「はい」.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from chizai.cases.counting import ComputedFigure, CountingRule, recompute_plan
from chizai.cases.models import SupportCase
from chizai.kpis.models import ActualSource, Kpi, Plan
from chizai.organizations.types import Actor, AnyUser
from chizai.surveys.models import Answer, Audience, Invitation, Questionnaire, Response, ResponseQuerySet
from chizai.surveys.results import ResponseRate

YES = "はい"
IP_IN_STRATEGY = "ip_in_strategy"
ACTED = "acted"
GROWTH = "growth"
IP_USED = "ip_used"
KEY_LABELS = {
    IP_IN_STRATEGY: "知財を経営戦略に位置づけた",
    ACTED: "実行に移した",
    GROWTH: "事業の成長",
    IP_USED: "知財の取得・活用",
}


@dataclass(frozen=True)
class SurveyFigure(ComputedFigure):
    """A figure counted from survey answers, with the response rate of its year as its note."""

    invited: int = 0
    answered: int = 0

    @property
    def rate(self) -> ResponseRate:
        return ResponseRate(self.invited, self.answered)

    @property
    def source_note(self) -> str:
        return str(self.rate)

    def actual_fields(self) -> dict[str, Any]:
        return {**super().actual_fields(), "source": ActualSource.SURVEY}


def _answered_yes(key: str) -> Exists:
    return Exists(Answer.objects.filter(response=OuterRef("pk"), question__key=key, value=YES))


class SurveyRule(CountingRule):
    """Answers to the follow-up questionnaires that said 「はい」 to every question of `keys`; a questionnaire is
    one this rule reads when it asks the first of them."""

    keys: ClassVar[tuple[str, ...]]
    from_survey = True

    def questionnaires(self) -> QuerySet[Questionnaire]:
        return Questionnaire.objects.filter(audience=Audience.COMPANY, questions__key=self.keys[0])

    def responses(self, fiscal_year: int) -> ResponseQuerySet:
        return Response.objects.filter(questionnaire__in=self.questionnaires(), fiscal_year=fiscal_year)

    def invitations(self, fiscal_year: int) -> QuerySet[Invitation]:
        return Invitation.objects.filter(questionnaire__in=self.questionnaires(), fiscal_year=fiscal_year)

    def counted(self) -> Q:
        condition = Q()
        for key in self.keys:
            condition &= Q(_answered_yes(key))
        return condition

    def cases(self, kpi: Kpi, fiscal_year: int) -> QuerySet[SupportCase]:
        """The cases behind the counted answers that are not anonymous (never used for the figure)."""
        counted = self.responses(fiscal_year).filter(self.counted())
        return SupportCase.objects.filter(pk__in=counted.exclude(case=None).values("case"))

    def figure(self, kpi: Kpi, fiscal_year: int) -> SurveyFigure | None:
        """None until an invitation of the year exists: no survey, no figure (not a 0)."""
        invitations = self.invitations(fiscal_year)
        invited = invitations.count()
        if not invited:
            return None
        answered = invitations.filter(answered_at__isnull=False).count()
        responses = self.responses(fiscal_year)
        total = responses.count()
        counted = responses.filter(self.counted()).count()
        if not self.is_ratio:
            return SurveyFigure(total, value=Decimal(counted), invited=invited, answered=answered)
        if not total:
            return None
        return SurveyFigure(
            total, numerator=Decimal(counted), denominator=Decimal(total), invited=invited, answered=answered
        )

    def drill_url(self, kpi: Kpi, fiscal_year: int) -> str | None:
        return reverse("surveys:kpi_answers", args=[kpi.pk, fiscal_year])


class IpStrategyActedShare(SurveyRule):
    """The 3rd plan's effect indicator from the follow-up survey: of the companies that answered, the share that
    placed IP in the management strategy and acted on it (target ≥ 60%)."""

    name = "survey_ip_strategy_acted_share"
    label = "フォローアップ調査に回答した企業のうち、知財を経営戦略に位置づけ実行に移した企業の割合（調査回答）"
    is_ratio = True
    keys = (IP_IN_STRATEGY, ACTED)


class BusinessGrowth(SurveyRule):
    """The 2nd plan's style of count: companies that answered their business grew after the support."""

    name = "survey_business_growth"
    label = "フォローアップ調査で事業の成長があったと回答した企業数（調査回答）"
    keys = (GROWTH,)


class IpUsed(SurveyRule):
    name = "survey_ip_used"
    label = "フォローアップ調査で知財を取得・活用したと回答した企業数（調査回答）"
    keys = (IP_USED,)


class GrowthAndIpUsed(SurveyRule):
    name = "survey_growth_and_ip_used"
    label = "フォローアップ調査で事業の成長と知財の取得・活用の両方があったと回答した企業数（調査回答）"
    keys = (GROWTH, IP_USED)


SURVEY_RULES: tuple[SurveyRule, ...] = (IpStrategyActedShare(), BusinessGrowth(), IpUsed(), GrowthAndIpUsed())


def survey_rule_of(kpi: Kpi) -> SurveyRule | None:
    return next((rule for rule in SURVEY_RULES if rule.name == kpi.counting_rule), None)


def recompute_for_year(fiscal_year: int | None, *, actor: Actor, today: datetime.date | None = None) -> None:
    """Recompute the counted KPIs of the plans covering the survey's year, after an invitation or an answer
    (the figure and its response rate change together, in the same transaction)."""
    if fiscal_year is None:
        return
    if not Kpi.objects.filter(counting_rule__in=[rule.name for rule in SURVEY_RULES]).exists():
        return
    for plan in Plan.objects.filter(first_fiscal_year__lte=fiscal_year, last_fiscal_year__gte=fiscal_year):
        recompute_plan(plan, actor=actor, today=today)


def answers_behind(kpi: Kpi, fiscal_year: int, user: AnyUser) -> tuple[ResponseQuerySet, int]:
    """The answers behind the KPI's figure that the user may see, counted ones first, each with `counted`; and
    how many more are behind it that the user may not see (other bodies' cases, anonymous answers for non-JPO)."""
    rule = survey_rule_of(kpi)
    if rule is None or not Kpi.objects.visible_to(user).filter(pk=kpi.pk).exists():
        return Response.objects.none(), 0
    everything = rule.responses(fiscal_year)
    shown = (
        everything.visible_to(user)
        .annotate(counted=Exists(Response.objects.filter(rule.counted(), pk=OuterRef("pk"))))
        .select_related("case__company", "questionnaire", "entered_by")
        .order_by("-counted", "-submitted_at", "-pk")
    )
    return shown, everything.count() - shown.count()
