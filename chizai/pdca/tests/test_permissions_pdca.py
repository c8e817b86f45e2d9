"""Who may see, write and move a self-evaluation: every role of the cast against every page, through HTTP.

東京都's 2023年度上期 evaluation is the subject throughout. Not seeing it answers 404 (its existence is not
revealed); seeing it without the right to act answers 403 and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from chizai.audit.models import AuditEntry
from chizai.pdca.actions import set_rating_scale
from chizai.pdca.models import RatingScale, ReportingPeriod, SelfEvaluation, Status, Transition
from chizai.pdca.tests import fixtures_pdca as fx
from chizai.pdca.tests.fixtures_pdca import PdcaData, user
from chizai.testing import CAST_USERNAMES

pdca_today = fx.pdca_today
pdca_data = fx.pdca_data
tokyo_evaluation = fx.tokyo_evaluation

pytestmark = pytest.mark.django_db

CAST = CAST_USERNAMES  # every role of the test cast, each checked against each view
# Who sees 東京都's evaluation once it left draft: 東京都 itself, its bureau (関東), and JPO.
SEES_SUBMITTED = {"jpo_admin", "jpo_viewer", "kanto_reviewer", "tokyo_editor", "tokyo_viewer"}
# A draft stays with 東京都.
SEES_DRAFT = {"tokyo_editor", "tokyo_viewer"}

# The steps that lead to each state, taken by their usual actors (see fixtures_pdca.advance).
STATES = {
    Status.DRAFT: (),
    Status.SUBMITTED: ("submit",),
    Status.REVIEWED: ("submit", "review"),
    Status.ACCEPTED: ("submit", "review", "accept"),
    Status.RETURNED: ("submit", "return"),
    Status.REOPENED: ("submit", "review", "accept", "reopen"),
}


def as_user(client: Any, username: str) -> Any:
    client.force_login(user(username))
    return client


def status_of(evaluation: SelfEvaluation) -> str:
    return SelfEvaluation.objects.get(pk=evaluation.pk).status


# --- anonymous visitors -------------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client, tokyo_evaluation):
    evaluation = tokyo_evaluation("submit")
    pages = [
        ("get", reverse("pdca:evaluation_list")),
        ("get", reverse("pdca:evaluation_detail", args=[evaluation.pk])),
        ("get", reverse("pdca:evaluation_edit", args=[evaluation.pk])),
        ("post", reverse("pdca:evaluation_start", args=[evaluation.period_id, "pref-13"])),
        ("post", reverse("pdca:evaluation_transition", args=[evaluation.pk, "review"])),
    ]

    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    assert status_of(evaluation) == Status.SUBMITTED


# --- seeing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", CAST)
def test_it_shows_a_draft_only_inside_its_organisation(client, tokyo_evaluation, username):
    evaluation = tokyo_evaluation()

    response = as_user(client, username).get(reverse("pdca:evaluation_detail", args=[evaluation.pk]))

    assert response.status_code == (200 if username in SEES_DRAFT else 404)


@pytest.mark.parametrize("username", CAST)
def test_it_shows_a_submitted_evaluation_to_its_organisation_bureau_and_jpo(client, tokyo_evaluation, username):
    evaluation = tokyo_evaluation("submit")

    response = as_user(client, username).get(reverse("pdca:evaluation_detail", args=[evaluation.pk]))

    assert response.status_code == (200 if username in SEES_SUBMITTED else 404)


@pytest.mark.parametrize("username", ["kinki_reviewer", "osaka_editor", "kanagawa_editor"])
def test_it_never_shows_tokyos_evaluation_outside_its_block_even_when_accepted(client, tokyo_evaluation, username):
    evaluation = tokyo_evaluation("submit", "review", "accept")
    as_user(client, username)

    assert client.get(reverse("pdca:evaluation_detail", args=[evaluation.pk])).status_code == 404
    list_page = client.get(reverse("pdca:evaluation_list"), {"period": evaluation.period_id})
    assert evaluation not in list_page.context["others"].items


# --- writing ----------------------------------------------------------------------------------------------------


EDIT_EXPECTED = {
    "tokyo_editor": 200,
    "tokyo_viewer": 403,  # sees it, may not write it
    "kanagawa_editor": 404,
    "osaka_editor": 404,
    "kinki_reviewer": 404,
    "kanto_reviewer": 404,  # a draft is not the bureau's business yet
    "jpo_admin": 404,
}


@pytest.mark.parametrize(("username", "expected"), list(EDIT_EXPECTED.items()))
def test_it_lets_only_tokyos_editor_write_its_draft(client, pdca_data: PdcaData, tokyo_evaluation, username, expected):
    evaluation = tokyo_evaluation()
    url = reverse("pdca:evaluation_edit", args=[evaluation.pk])
    as_user(client, username)

    assert client.get(url).status_code == expected
    data = {"version": evaluation.version, "activities": "書換え", f"rating_{pdca_data.tokyo_kpi.pk}": ""}
    response = client.post(url, data)

    assert response.status_code == (302 if expected == 200 else expected)
    assert (SelfEvaluation.objects.get(pk=evaluation.pk).activities == "書換え") is (expected == 200)


@pytest.mark.parametrize("username", ["tokyo_viewer", "kanagawa_editor", "osaka_editor", "kanto_reviewer"])
def test_it_lets_nobody_but_tokyos_editors_start_its_evaluation(client, pdca_data: PdcaData, username):
    period = pdca_data.period(2023, "H1")

    response = as_user(client, username).post(reverse("pdca:evaluation_start", args=[period.pk, "pref-13"]))

    # Who cannot see 東京都 at all gets 404; who sees it but may not write, 403.
    assert response.status_code == (403 if username in ("tokyo_viewer", "kanto_reviewer") else 404)
    assert not SelfEvaluation.objects.exists()


# --- moving through the workflow -----------------------------------------------------------------------------

# (state, step, user) → allowed. Everything not listed here for a user who sees the evaluation is refused (403).
ALLOWED = {
    (Status.DRAFT, "submit", "tokyo_editor"),
    (Status.RETURNED, "submit", "tokyo_editor"),
    (Status.REOPENED, "submit", "tokyo_editor"),
    (Status.SUBMITTED, "review", "kanto_reviewer"),
    (Status.SUBMITTED, "return", "kanto_reviewer"),
    (Status.SUBMITTED, "return", "jpo_admin"),
    (Status.REVIEWED, "return", "jpo_admin"),
    (Status.REVIEWED, "accept", "jpo_admin"),
    (Status.ACCEPTED, "reopen", "jpo_admin"),
}
ACTORS = ("tokyo_editor", "tokyo_viewer", "kanto_reviewer", "jpo_admin", "jpo_viewer")
STEP_TARGET = {
    "submit": Status.SUBMITTED,
    "review": Status.REVIEWED,
    "accept": Status.ACCEPTED,
    "return": Status.RETURNED,
    "reopen": Status.REOPENED,
}
SEEN_BY = [
    (state, username)
    for state in (Status.DRAFT, Status.SUBMITTED, Status.REVIEWED, Status.ACCEPTED)
    for username in ACTORS
    if username in (SEES_DRAFT if state == Status.DRAFT else SEES_SUBMITTED)
]


@pytest.mark.parametrize(("state", "username"), SEEN_BY)
def test_it_refuses_every_step_that_is_not_the_roles(client, tokyo_evaluation, state, username):
    evaluation = tokyo_evaluation(*STATES[state])
    refused = [step for step in STEP_TARGET if (state, step, username) not in ALLOWED]
    as_user(client, username)

    answers = {
        step: client.post(
            reverse("pdca:evaluation_transition", args=[evaluation.pk, step]), {"comment": "理由を記入しました。"}
        ).status_code
        for step in refused
    }

    assert answers == dict.fromkeys(refused, 403)
    assert status_of(evaluation) == state


@pytest.mark.parametrize(("state", "step", "username"), sorted(ALLOWED))
def test_it_allows_each_step_to_its_role(client, tokyo_evaluation, state, step, username):
    evaluation = tokyo_evaluation(*STATES[state])
    url = reverse("pdca:evaluation_transition", args=[evaluation.pk, step])

    response = as_user(client, username).post(url, {"comment": "理由を記入しました。"})

    assert response.status_code == 302
    assert status_of(evaluation) == STEP_TARGET[step]


@pytest.mark.parametrize("step", list(STEP_TARGET))
@pytest.mark.parametrize("username", ["kinki_reviewer", "osaka_editor", "kanagawa_editor", "inpit_editor"])
def test_it_answers_404_to_steps_on_an_evaluation_the_user_cannot_see(client, tokyo_evaluation, username, step):
    evaluation = tokyo_evaluation("submit")
    url = reverse("pdca:evaluation_transition", args=[evaluation.pk, step])

    assert as_user(client, username).post(url, {"comment": "理由"}).status_code == 404
    assert status_of(evaluation) == Status.SUBMITTED


def test_it_offers_each_role_only_the_buttons_it_may_press(client, tokyo_evaluation):
    reviewed = tokyo_evaluation("submit", "review")
    url = reverse("pdca:evaluation_detail", args=[reviewed.pk])

    def offered(username: str) -> list[str]:
        return [step.action for step in as_user(client, username).get(url).context["steps"]]

    assert offered("jpo_admin") == ["accept", "return"]
    assert offered("jpo_viewer") == []
    assert offered("kanto_reviewer") == []
    assert offered("tokyo_editor") == []


def test_it_lets_a_central_body_go_to_jpo_without_a_bureau(client, pdca_data: PdcaData):
    evaluation = fx.advance(fx.make_evaluation(pdca_data.period(2023, "H1"), "inpit"), "submit")
    url = reverse("pdca:evaluation_transition", args=[evaluation.pk, "accept"])

    assert as_user(client, "jpo_viewer").post(url).status_code == 403
    assert as_user(client, "jpo_admin").post(url).status_code == 302
    assert status_of(evaluation) == Status.ACCEPTED


# --- the admin ------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser(jpo_admin):  # type: ignore[no-untyped-def]
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    return jpo_admin


def test_it_lets_the_administrator_change_the_rating_thresholds_with_an_audit_entry(client, superuser):
    client.force_login(superuser)

    response = client.post("/admin/pdca/ratingscale/add/", {"a_from": "95", "b_from": "75", "c_from": "55"})

    assert response.status_code == 302
    assert str(RatingScale.current()) == "A≥95.0% B≥75.0% C≥55.0%"
    entry = AuditEntry.objects.get(action="pdca.rating_scale.created")
    assert entry.actor == superuser and entry.changes["a_from"] == [None, "95"]
    assert client.get("/admin/pdca/ratingscale/add/").status_code == 403  # one scale for the system


def test_it_lets_the_administrator_move_a_due_date_with_an_audit_entry(client, superuser, pdca_data: PdcaData):
    period = pdca_data.period(2023, "H1")
    client.force_login(superuser)

    response = client.post(f"/admin/pdca/reportingperiod/{period.pk}/change/", {"due_date": "2023-11-10"})

    assert response.status_code == 302
    assert ReportingPeriod.objects.get(pk=period.pk).due_date.isoformat() == "2023-11-10"
    entry = AuditEntry.objects.get(action="pdca.period.updated")
    assert entry.changes == {"due_date": ["2023-10-31", "2023-11-10"]}


def test_it_shows_evaluations_and_their_history_read_only_in_the_admin(client, superuser, tokyo_evaluation):
    evaluation = tokyo_evaluation("submit")
    transition = Transition.objects.get(evaluation=evaluation)
    client.force_login(superuser)

    assert client.get("/admin/pdca/selfevaluation/").status_code == 200
    assert client.get(f"/admin/pdca/selfevaluation/{evaluation.pk}/change/").status_code == 200
    assert client.get(f"/admin/pdca/transition/{transition.pk}/change/").status_code == 200
    assert client.get("/admin/pdca/transition/add/").status_code == 403
    assert client.get("/admin/pdca/reminderlog/").status_code == 200
    response = client.post(f"/admin/pdca/selfevaluation/{evaluation.pk}/change/", {"status": "accepted"})
    assert response.status_code == 403
    assert status_of(evaluation) == Status.SUBMITTED


def test_it_refuses_to_delete_plan_and_workflow_data_through_the_admin(client, superuser, tokyo_evaluation):
    """A half year's deletion would cascade to its evaluations, transitions and reminders, unaudited: refused,
    like the scale, the evaluations and their history; nothing is deleted and nothing is recorded."""
    evaluation = tokyo_evaluation("submit")
    period, transition = evaluation.period, Transition.objects.get(evaluation=evaluation)
    scale = set_rating_scale(a_from=Decimal("90"), b_from=Decimal("70"), c_from=Decimal("50"), actor=superuser)
    client.force_login(superuser)
    entries = AuditEntry.objects.count()

    pages = [
        f"/admin/pdca/reportingperiod/{period.pk}/delete/",
        f"/admin/pdca/ratingscale/{scale.pk}/delete/",
        f"/admin/pdca/selfevaluation/{evaluation.pk}/delete/",
        f"/admin/pdca/transition/{transition.pk}/delete/",
    ]
    answers = [client.post(page, {"post": "yes"}, follow=True) for page in pages]
    bulk = client.post(
        "/admin/pdca/reportingperiod/", {"action": "delete_selected", "_selected_action": [period.pk], "post": "yes"}
    )

    # The scale and the half year: back to their page with the reason; the records: no delete at all.
    assert [answer.status_code for answer in answers] == [200, 200, 403, 403]
    assert all("管理画面からは削除できません" in answer.content.decode() for answer in answers[:2])
    assert bulk.status_code in (200, 302, 403)
    assert ReportingPeriod.objects.filter(pk=period.pk).exists() and RatingScale.objects.filter(pk=scale.pk).exists()
    assert (
        SelfEvaluation.objects.filter(pk=evaluation.pk).exists()
        and Transition.objects.filter(pk=transition.pk).exists()
    )
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("username", ["tokyo_editor", "kanto_reviewer", "jpo_viewer"])
def test_it_keeps_the_pdca_admin_closed_to_everyone_but_staff(client, username):
    client.force_login(get_user_model().objects.get(username=username))

    response = client.get("/admin/pdca/selfevaluation/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
