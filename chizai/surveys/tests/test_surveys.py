"""Surveys: questionnaire versions, invitation tokens, answering through the link, anonymity, reminders and
the figures 4–6 style shares."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from chizai.audit.models import AuditEntry
from chizai.cases.tests import fixtures_cases as fx
from chizai.organizations.models import Organization
from chizai.surveys import actions
from chizai.surveys.actions import QuestionSpec
from chizai.surveys.answers import check
from chizai.surveys.models import Audience, Channel, Invitation, Question, QuestionKind, Response
from chizai.surveys.results import distributions, response_rate
from chizai.surveys.tokens import hash_token

cases_data = fx.cases_data
cases_today = fx.cases_today

NOW = timezone.make_aware(datetime.datetime(2025, 11, 4, 10, 0))

QUESTIONS = [
    QuestionSpec("strategy", "知財を経営戦略に位置付けましたか。", QuestionKind.SINGLE, choices=("はい", "いいえ")),
    QuestionSpec(
        "acted",
        "位置付けた知財戦略に基づき行動しましたか。",
        QuestionKind.SINGLE,
        choices=("はい", "いいえ"),
        show_if_key="strategy",
        show_if_value="はい",
    ),
    QuestionSpec("satisfaction", "支援に満足していますか。", QuestionKind.SCALE),
    QuestionSpec(
        "effects", "支援の効果", QuestionKind.MULTIPLE, choices=("売上増", "出願", "社内体制"), required=False
    ),
    QuestionSpec("staff", "知財担当者の人数", QuestionKind.NUMBER, required=False),
    QuestionSpec("comment", "ご意見", QuestionKind.TEXT, required=False),
]


def user(name: str) -> Any:
    return fx.user(name)


def sent_questionnaire(anonymous: bool = False, code: str = "follow-up") -> Any:
    questionnaire = actions.create_questionnaire(
        code=code,
        title="ハンズオン支援 フォローアップ調査",
        audience=Audience.COMPANY,
        questions=QUESTIONS,
        anonymous=anonymous,
        actor=user("jpo_admin"),
    )
    return actions.send_questionnaire(questionnaire=questionnaire, actor=user("jpo_admin"))


def invite(case: Any, questionnaire: Any, **kwargs: Any) -> tuple[Invitation, str]:
    return actions.invite_case(
        questionnaire=questionnaire, case=case, email="info@example.jp", actor=user("jpo_admin"), now=NOW, **kwargs
    )


GOOD = {"strategy": "はい", "acted": "はい", "satisfaction": "4", "effects": ["出願", "売上増"], "staff": "２"}


# --- answers: each question type's rules ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_reads_each_question_type_and_refuses_what_breaks_its_rules() -> None:
    questionnaire = sent_questionnaire()
    questions = list(questionnaire.questions.all())
    checked = check(questions, GOOD)
    assert checked.ok
    assert checked.values == {
        "strategy": "はい",
        "acted": "はい",
        "satisfaction": 4,
        "effects": ["売上増", "出願"],  # in the questionnaire's order
        "staff": "2",  # 全角 digits read
    }
    bad = check(
        questions,
        {"strategy": "たぶん", "satisfaction": "6", "effects": ["海外"], "staff": "二人", "comment": "あ" * 4001},
    )
    assert bad.errors == {
        "strategy": "選択肢から1つ選んでください。",
        "satisfaction": "選択肢から1つ選んでください。",
        "effects": "選択肢から選んでください。",
        "staff": "数値で記入してください（例: 12 または 3.5）。",
        "comment": "4,000文字以内で記入してください。",
    }


@pytest.mark.django_db
def test_a_required_question_must_be_answered_unless_its_condition_hides_it() -> None:
    questions = list(sent_questionnaire().questions.all())
    assert check(questions, {"strategy": "はい", "satisfaction": "3"}).errors == {"acted": "回答してください（必須）。"}
    hidden = check(questions, {"strategy": "いいえ", "acted": "はい", "satisfaction": "3"})
    assert hidden.ok and "acted" not in hidden.values  # a hidden question's answer is dropped


# --- questionnaires: frozen once sent, versions ------------------------------------------------------------


@pytest.mark.django_db
def test_a_sent_questionnaire_is_frozen_and_a_change_makes_a_new_version() -> None:
    first = sent_questionnaire()
    second = actions.revise_questionnaire(
        questionnaire=first, title="フォローアップ調査（改訂）", questions=QUESTIONS[:3], actor=user("jpo_admin")
    )
    assert (first.version, second.version) == (1, 2)
    assert first.questions.count() == 6 and second.questions.count() == 3
    assert not second.frozen
    edited = actions.revise_questionnaire(
        questionnaire=second, title="改訂版", questions=QUESTIONS[:2], actor=user("jpo_admin")
    )
    assert edited.pk == second.pk and edited.questions.count() == 2  # a draft changes in place
    with pytest.raises(ValidationError):
        actions.revise_questionnaire(questionnaire=first, title="x", questions=QUESTIONS, actor=user("jpo_admin"))


@pytest.mark.django_db
def test_only_jpo_designs_questionnaires() -> None:
    with pytest.raises(PermissionDenied):
        actions.create_questionnaire(
            code="x", title="x", audience=Audience.COMPANY, questions=QUESTIONS, actor=user("tokyo_editor")
        )


@pytest.mark.django_db
def test_a_condition_must_name_an_earlier_question() -> None:
    spec = QuestionSpec("a", "A", QuestionKind.TEXT, show_if_key="b", show_if_value="はい")
    with pytest.raises(ValidationError, match="それより前の設問"):
        actions.create_questionnaire(
            code="x",
            title="x",
            audience=Audience.COMPANY,
            questions=[spec, QuestionSpec("b", "B", QuestionKind.TEXT)],
            actor=user("jpo_admin"),
        )


# --- invitations: tokens, expiry, single use --------------------------------------------------------------


def test_only_the_hash_of_a_token_is_stored(cases_data: fx.CasesData) -> None:
    invitation, token = invite(cases_data.tokyo_case, sent_questionnaire())
    assert [link.token_hash for link in invitation.links.all()] == [hash_token(token)]
    with connection.cursor() as cursor:
        for table in ("surveys_invitation", "surveys_invitationlink", "audit_auditentry"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            assert token not in repr(cursor.fetchall())


def test_an_answer_through_the_link_is_stored_once_and_can_be_changed_until_closed(
    cases_data: fx.CasesData,
) -> None:
    invitation, token = invite(cases_data.tokyo_case, sent_questionnaire())
    response = actions.submit_answers(token=token, raw=GOOD, now=NOW)
    assert response.case == cases_data.tokyo_case and response.questionnaire.version == 1
    again = actions.submit_answers(token=token, raw={**GOOD, "satisfaction": "5"}, now=NOW)
    assert again.pk == response.pk and Response.objects.count() == 1
    assert again.answers.get(question__key="satisfaction").value == 5
    actions.close_invitation(invitation=invitation, actor=user("jpo_admin"), now=NOW)
    with pytest.raises(actions.InvitationUnavailable, match="締め切りました"):
        actions.submit_answers(token=token, raw=GOOD, now=NOW)


def test_an_expired_or_unknown_link_is_refused_kindly(cases_data: fx.CasesData) -> None:
    _invitation, token = invite(cases_data.tokyo_case, sent_questionnaire(), valid_days=14)
    later = NOW + datetime.timedelta(days=14)
    with pytest.raises(actions.InvitationUnavailable, match="回答期限を過ぎました"):
        actions.submit_answers(token=token, raw=GOOD, now=later)
    with pytest.raises(actions.InvitationUnavailable, match="無効"):
        actions.open_invitation(token + "x", NOW)


def test_bad_answers_write_nothing(cases_data: fx.CasesData) -> None:
    invitation, token = invite(cases_data.tokyo_case, sent_questionnaire())
    with pytest.raises(actions.AnswersRefused) as refused:
        actions.submit_answers(token=token, raw={"strategy": "はい"}, now=NOW)
    assert set(refused.value.errors) == {"acted", "satisfaction"}
    invitation.refresh_from_db()
    assert invitation.answered_at is None and not Response.objects.exists()


def test_another_prefecture_cannot_invite_for_a_case_it_does_not_support(cases_data: fx.CasesData) -> None:
    with pytest.raises(PermissionDenied):
        actions.invite_case(
            questionnaire=sent_questionnaire(),
            case=cases_data.tokyo_case,
            email="x@example.jp",
            actor=user("osaka_editor"),
        )


def test_a_draft_questionnaire_cannot_be_sent_out(cases_data: fx.CasesData) -> None:
    draft = actions.create_questionnaire(
        code="draft", title="下書き", audience=Audience.COMPANY, questions=QUESTIONS, actor=user("jpo_admin")
    )
    with pytest.raises(ValidationError, match="送付前"):
        invite(cases_data.tokyo_case, draft)


# --- anonymity: the link is cut --------------------------------------------------------------------------


def test_an_anonymous_answer_keeps_no_path_to_the_case_and_is_taken_once(cases_data: fx.CasesData) -> None:
    invitation, token = invite(cases_data.tokyo_case, sent_questionnaire(anonymous=True))
    last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = actions.submit_answers(token=token, raw=GOOD, now=NOW)
    response.refresh_from_db()
    assert response.case_id is None and response.invitation_id is None and response.organization_id is None
    assert response.submitted_at == timezone.make_aware(datetime.datetime(2025, 11, 1))  # the month only
    invitation.refresh_from_db()
    assert invitation.answered_at == response.submitted_at  # answered, but not when exactly
    assert response.block == Organization.objects.get(code="bureau-kanto")  # still counted by block
    # The answer's one audit entry names the answer alone: no entry about the invitation or the case beside it.
    written = AuditEntry.objects.filter(pk__gt=last_entry)
    assert [(e.action, e.object_type) for e in written] == [("surveys.response.anonymous", "surveys.response")]
    with pytest.raises(actions.InvitationUnavailable, match="すでに受け付けました"):
        actions.submit_answers(token=token, raw=GOOD, now=NOW)


# --- reminders -------------------------------------------------------------------------------------------


def test_a_reminder_goes_only_to_the_unanswered_on_business_days_and_never_twice_a_day(
    cases_data: fx.CasesData,
) -> None:
    questionnaire = sent_questionnaire()
    waiting, _ = invite(cases_data.tokyo_case, questionnaire)
    answered, token = invite(cases_data.kanagawa_case, questionnaire)
    actions.submit_answers(token=token, raw=GOOD, now=NOW)
    monday, sunday = datetime.date(2025, 11, 10), datetime.date(2025, 11, 9)
    assert actions.record_reminder(invitation=waiting, today=sunday, now=NOW) is None
    token = actions.record_reminder(invitation=waiting, today=monday, now=NOW)
    assert token and actions.open_invitation(token, NOW) == waiting  # the reminder's own link opens it
    assert actions.record_reminder(invitation=waiting, today=monday, now=NOW) is None
    assert actions.record_reminder(invitation=answered, today=monday, now=NOW) is None
    waiting.refresh_from_db()
    assert (waiting.reminders, waiting.last_reminded_on) == (1, monday)


# --- answers typed in by the support team ----------------------------------------------------------------


def test_the_support_team_types_in_a_paper_answer_marked_so(cases_data: fx.CasesData) -> None:
    invitation, _ = invite(cases_data.push_case, sent_questionnaire())
    response = actions.enter_answers(invitation=invitation, raw=GOOD, channel=Channel.PAPER, actor=user("jpo_admin"))
    assert response.channel == Channel.PAPER and response.entered_by == user("jpo_admin")
    with pytest.raises(PermissionDenied):
        actions.enter_answers(invitation=invitation, raw=GOOD, channel=Channel.PHONE, actor=user("tokyo_editor"))


# --- the municipality survey -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_prefecture_gets_one_municipality_survey_a_year() -> None:
    questionnaire = actions.create_questionnaire(
        code="municipal",
        title="地域KPIに関するアンケート",
        audience=Audience.MUNICIPALITY,
        questions=QUESTIONS[2:3],
        actor=user("jpo_admin"),
    )
    questionnaire = actions.send_questionnaire(questionnaire=questionnaire, actor=user("jpo_admin"))
    tokyo = Organization.objects.get(code="pref-13")
    actions.invite_organization(
        questionnaire=questionnaire, organization=tokyo, fiscal_year=2025, email="a@example.jp", actor=user("jpo_admin")
    )
    with pytest.raises(ValidationError, match="送付済み"):
        actions.invite_organization(
            questionnaire=questionnaire,
            organization=tokyo,
            fiscal_year=2025,
            email="b@example.jp",
            actor=user("jpo_admin"),
        )
    actions.invite_organization(
        questionnaire=questionnaire, organization=tokyo, fiscal_year=2026, email="a@example.jp", actor=user("jpo_admin")
    )


# --- results: figures 4–6 ----------------------------------------------------------------------------------


def test_shares_per_answer_with_n_as_figures_4_to_6_show_them(cases_data: fx.CasesData) -> None:
    questionnaire = sent_questionnaire()
    answers = ["5", "4", "4", "2"]  # 25% / 50% / 25% of n=4; an unanswered invitation lowers the response rate
    cases = [cases_data.tokyo_case, cases_data.kanagawa_case, cases_data.push_case]
    for n, satisfaction in enumerate(answers):
        invitation, token = invite(cases[n % 3], questionnaire)
        actions.submit_answers(token=token, raw={**GOOD, "satisfaction": satisfaction}, now=NOW)
    invite(cases_data.push_case, questionnaire)
    question = Question.objects.get(questionnaire=questionnaire, key="satisfaction")
    overall, *by_block = distributions(question, Response.objects.all(), split_by="block")
    assert overall.n == 4
    assert [(s.option, s.count, s.percent) for s in overall.shares] == [
        ("1", 0, Decimal("0")),
        ("2", 1, Decimal("25.0")),
        ("3", 0, Decimal("0")),
        ("4", 2, Decimal("50.0")),
        ("5", 1, Decimal("25.0")),
    ]
    assert {d.label: d.n for d in by_block} == {"関東局": 3, "北海道局": 1}
    rate = response_rate(Invitation.objects.all())
    assert (rate.answered, rate.invited, rate.percent) == (4, 5, Decimal("80.0"))
    assert str(rate) == "回答率 80.0%（4件／5件）"
