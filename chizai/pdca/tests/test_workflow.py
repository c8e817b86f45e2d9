"""The workflow engine (chizai.workflow) as the self-evaluation's table drives it: one move, never two."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from chizai import workflow
from chizai.audit.models import AuditEntry
from chizai.pdca.models import SelfEvaluation, Status, Transition
from chizai.pdca.rules import EVALUATION_WORKFLOW
from chizai.pdca.tests import fixtures_pdca as fx
from chizai.pdca.tests.fixtures_pdca import user

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data
tokyo_evaluation = fx.tokyo_evaluation

pytestmark = pytest.mark.django_db


def test_it_applies_a_transition_taken_twice_from_the_same_page_once(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")
    stale = SelfEvaluation.objects.get(pk=submitted.pk)  # the reviewer's page, opened while it was submitted
    reviewer = user("kanto_reviewer")

    workflow.transition(obj=stale, action="review", actor=reviewer)
    with pytest.raises(PermissionDenied):
        workflow.transition(obj=stale, action="review", actor=reviewer)

    assert Transition.objects.filter(evaluation=submitted, to_status=Status.REVIEWED).count() == 1
    assert AuditEntry.objects.filter(action="pdca.evaluation.reviewed").count() == 1


def test_it_writes_nothing_when_the_row_moved_between_reading_and_writing(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")
    read = SelfEvaluation.objects.select_related("period", "organization").get(pk=submitted.pk)
    workflow.transition(obj=submitted, action="return", actor=user("kanto_reviewer"), comment="再確認を")
    rule = EVALUATION_WORKFLOW.rule("review", read)
    assert rule is not None

    with pytest.raises(workflow.StaleTransition):
        workflow._move(EVALUATION_WORKFLOW, rule, read, user("kanto_reviewer"), "")

    assert SelfEvaluation.objects.get(pk=submitted.pk).status == Status.RETURNED
    assert not Transition.objects.filter(to_status=Status.REVIEWED).exists()


def test_it_offers_each_reviewer_only_the_steps_of_the_table(tokyo_evaluation):
    submitted = tokyo_evaluation("submit")

    assert [r.action for r in EVALUATION_WORKFLOW.available(user("kanto_reviewer"), submitted)] == ["review", "return"]
    assert [r.action for r in EVALUATION_WORKFLOW.available(user("jpo_admin"), submitted)] == ["return"]
    assert EVALUATION_WORKFLOW.available(user("tokyo_editor"), submitted) == []
    assert submitted.status_label == "提出済み（局の確認待ち）"
