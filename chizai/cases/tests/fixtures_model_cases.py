"""Test data for the model case tests: closed cases and model cases in any status, made through the ORM."""

from __future__ import annotations

import datetime
from itertools import count
from typing import Any

from django.utils import timezone

from chizai.cases.model_cases import build_search_text
from chizai.cases.models import CaseIssue, Company, ModelCase, ModelCaseStatus, Origin, SmeCategory, Stage, SupportCase
from chizai.organizations.models import Organization

_numbers = count(1)


def make_closed_case(
    *,
    company_name: str = "株式会社山田製作所",
    prefecture: str = "pref-13",
    industry: str = "金属製品製造業",
    issues: tuple[tuple[str, str], ...] = (),
    hearing_notes: str = "",
    stage: str = Stage.CLOSED,
    referred_by: str | None = None,
    is_demo: bool = False,
) -> SupportCase:
    """A case of a new company in `prefecture`, supported by JPO; closed unless `stage` says otherwise."""
    number = next(_numbers)
    company = Company.objects.create(
        corporate_number=f"9{number:012d}",
        name=company_name,
        prefecture=Organization.objects.get(code=prefecture),
        industry=industry,
        sme_category=SmeCategory.MANUFACTURING,
        employees=40,
        registered_by=Organization.objects.get(code="jpo"),
        is_demo=is_demo,
    )
    case = SupportCase.objects.create(
        company=company,
        fiscal_year=2024,
        origin=Origin.REGIONAL if referred_by else Origin.PUSH,
        referred_by=Organization.objects.get(code=referred_by) if referred_by else None,
        support_team=Organization.objects.get(code="jpo"),
        stage=stage,
        stage_entered_at=timezone.now(),
        opened_on=datetime.date(2024, 5, 1),
        closed_on=datetime.date(2025, 2, 28) if stage == Stage.CLOSED else None,
        hearing_notes=hearing_notes,
        is_demo=is_demo,
    )
    for category, description in issues:
        CaseIssue.objects.create(case=case, category=category, description=description)
    return case


def make_model_case(
    *,
    case: SupportCase | None = None,
    status: str = ModelCaseStatus.PUBLISHED,
    title: str = "地域の製造業による知財の取組",
    summary: str = "知財を経営に活かした事例。",
    industry: str = "金属製品製造業",
    region: str = "pref-13",
    categories: list[str] | None = None,
    consent: bool = True,
    published_at: datetime.datetime | None = None,
    **case_fields: Any,
) -> ModelCase:
    """A model case written directly (no workflow), published by default with its search text."""
    case = case or make_closed_case(industry=industry, prefecture=region, **case_fields)
    model_case = ModelCase.objects.create(
        case=case,
        title=title,
        summary=summary,
        industry=industry,
        region=Organization.objects.get(code=region),
        issue_categories=categories or [],
        consent_recorded=consent,
        consent_date=datetime.date(2025, 3, 10) if consent else None,
        status=status,
    )
    if status in (ModelCaseStatus.PUBLISHED, ModelCaseStatus.WITHDRAWN):
        model_case.published_at = published_at or timezone.now()
        model_case.search_text = build_search_text(model_case)
        model_case.save()
    return model_case
