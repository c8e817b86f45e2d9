"""Similar model cases for a case's page: character n-gram TF-IDF over published model cases."""

from __future__ import annotations

from typing import Any

import pytest

from chizai.cases.model_cases import similar_model_cases
from chizai.cases.models import CaseIssue, IssueCategory, ModelCaseStatus
from chizai.cases.tests.fixtures_model_cases import make_closed_case, make_model_case


@pytest.fixture
def library(db: None) -> dict[str, Any]:
    return {
        "overseas": make_model_case(
            title="海外での商標出願と模倣品対策",
            summary="輸出先の国で商標を出願し、現地の模倣品に対処した。",
            categories=[IssueCategory.OVERSEAS, IssueCategory.RIGHTS],
        ),
        "hiring": make_model_case(
            title="知財を軸にした人材の採用",
            summary="技術者の採用と社内教育で知財の担い手を育てた。",
            categories=[IssueCategory.STAFFING],
        ),
        "secrets": make_model_case(
            title="営業秘密の管理体制づくり",
            summary="製造ノウハウを営業秘密として管理する規程を整えた。",
            categories=[IssueCategory.TRADE_SECRETS],
        ),
        "unpublished": make_model_case(
            status=ModelCaseStatus.APPROVED,
            title="海外の商標出願（承認済み・未公開）",
            summary="輸出先の国で商標を出願した。",
        ),
    }


def test_it_ranks_the_most_similar_published_model_case_first(library: dict[str, Any]) -> None:
    case = make_closed_case(
        issues=((IssueCategory.OVERSEAS, "輸出先の国での商標の出願が必要"),),
        hearing_notes="海外の展示会で模倣品が見つかった。",
    )
    ranked = similar_model_cases(case)
    assert ranked[0][0] == library["overseas"]
    assert all(earlier[1] >= later[1] for earlier, later in zip(ranked, ranked[1:], strict=False))
    assert library["unpublished"] not in [mc for mc, _ in ranked]


def test_it_leaves_out_the_case_own_model_case(library: dict[str, Any]) -> None:
    own = library["secrets"].case
    CaseIssue.objects.create(
        case=own, category=IssueCategory.TRADE_SECRETS, description="製造ノウハウの営業秘密管理と海外での商標出願"
    )
    ranked = [mc for mc, _ in similar_model_cases(own)]
    assert ranked and library["secrets"] not in ranked


def test_it_limits_the_number_of_results(library: dict[str, Any]) -> None:
    case = make_closed_case(hearing_notes="知財の出願と管理と採用と輸出")
    assert len(similar_model_cases(case, limit=1)) == 1


def test_it_returns_nothing_for_a_case_without_issues_or_notes(library: dict[str, Any]) -> None:
    assert similar_model_cases(make_closed_case()) == []
