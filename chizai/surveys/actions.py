"""The writes of surveys, one function per row type: transactional, permission-checked and audited.

Questionnaires (`create_questionnaire`, `revise_questionnaire`, `send_questionnaire`), invitations
(`invite_case`, `invite_organization`, `close_invitation`, `record_reminder`) and answers (`submit_answers` from
the invitation's link, `enter_answers` for answers received on paper or by phone). An anonymous questionnaire's
answers keep no path back to the case or the invitation, in the rows and in the audit log alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chizai.audit.log import log
from chizai.cases.access import can_write_case
from chizai.cases.models import SupportCase
from chizai.lib.business_days import is_business_day
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import can_edit_organization, is_jpo_writer
from chizai.organizations.types import Actor
from chizai.surveys.answers import Checked, check
from chizai.surveys.counting import recompute_for_year
from chizai.surveys.models import (
    Answer,
    Audience,
    Channel,
    Invitation,
    InvitationLink,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireStatus,
    Response,
)
from chizai.surveys.tokens import hash_token, new_token

DEFAULT_VALID_DAYS = 30
NOT_ALLOWED = "アンケートを編集する権限がありません。"


class InvitationUnavailable(Exception):
    """The link cannot be answered (any more); `message` says why, kindly, in Japanese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AnswersRefused(ValidationError):
    """Some answers break their question's rules; `errors` maps question key → Japanese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(list(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    text: str
    kind: str
    required: bool = True
    choices: Sequence[str] = field(default_factory=tuple)
    help_text: str = ""
    show_if_key: str = ""
    show_if_value: str = ""


def questionnaire_snapshot(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "title": questionnaire.title,
        "version": questionnaire.version,
        "audience": questionnaire.get_audience_display(),
        "anonymous": questionnaire.anonymous,
        "status": questionnaire.get_status_display(),
    }


def _check_designer(actor: Actor) -> None:
    if actor is not None and not is_jpo_writer(actor):
        raise PermissionDenied(NOT_ALLOWED)


def _check_specs(specs: Sequence[QuestionSpec]) -> None:
    keys = [spec.key for spec in specs]
    problems = []
    if not specs:
        problems.append("設問を1つ以上設けてください。")
    if len(set(keys)) != len(keys):
        problems.append("設問の識別子が重複しています。")
    for n, spec in enumerate(specs, start=1):
        if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(spec.choices) < 2:
            problems.append(f"問{n}: 選択肢を2つ以上設けてください。")
        if spec.show_if_key and spec.show_if_key not in keys[: n - 1]:
            problems.append(f"問{n}: 表示条件は、それより前の設問を指定してください。")
    if problems:
        raise ValidationError(problems)


def _write_questions(questionnaire: Questionnaire, specs: Sequence[QuestionSpec]) -> None:
    questions = [
        Question(
            questionnaire=questionnaire,
            key=spec.key,
            position=n,
            text=spec.text,
            help_text=spec.help_text,
            kind=spec.kind,
            required=spec.required,
            choices=list(spec.choices),
            show_if_key=spec.show_if_key,
            show_if_value=spec.show_if_value,
        )
        for n, spec in enumerate(specs, start=1)
    ]
    for question in questions:
        question.full_clean(exclude=["questionnaire"], validate_unique=False, validate_constraints=False)
    Question.objects.bulk_create(questions)


@transaction.atomic
def create_questionnaire(
    *,
    code: str,
    title: str,
    audience: str,
    questions: Sequence[QuestionSpec],
    actor: Actor,
    anonymous: bool = False,
    introduction: str = "",
    is_demo: bool = False,
) -> Questionnaire:
    """A new questionnaire (version 1) being written; JPO's writers only."""
    _check_designer(actor)
    _check_specs(questions)
    if audience == Audience.MUNICIPALITY and anonymous:
        raise ValidationError("自治体アンケートは都道府県ごとに1件の回答を集めるため、匿名にはできません。")
    questionnaire = Questionnaire(
        code=code,
        title=title,
        audience=audience,
        anonymous=anonymous,
        introduction=introduction,
        is_demo=is_demo,
    )
    questionnaire.full_clean()
    questionnaire.save()
    _write_questions(questionnaire, questions)
    log(actor, "surveys.questionnaire.created", questionnaire, None, questionnaire_snapshot(questionnaire))
    return questionnaire


@transaction.atomic
def revise_questionnaire(
    *, questionnaire: Questionnaire, title: str, questions: Sequence[QuestionSpec], actor: Actor
) -> Questionnaire:
    """Change the questions: in place while written; a sent (frozen) questionnaire gets a new version instead."""
    _check_designer(actor)
    _check_specs(questions)
    current = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if not current.frozen:
        before = questionnaire_snapshot(current)
        current.title = title
        current.full_clean()
        current.save()
        current.questions.all().delete()
        _write_questions(current, questions)
        log(actor, "surveys.questionnaire.updated", current, before, questionnaire_snapshot(current))
        return current
    latest = Questionnaire.objects.filter(code=current.code).order_by("-version").first()
    assert latest is not None
    if not latest.frozen:
        raise ValidationError(f"第{latest.version}版を作成中です。そちらを編集してください。")
    successor = Questionnaire(
        code=current.code,
        version=latest.version + 1,
        title=title,
        audience=current.audience,
        anonymous=current.anonymous,
        introduction=current.introduction,
        is_demo=current.is_demo,
    )
    successor.full_clean()
    successor.save()
    _write_questions(successor, questions)
    log(actor, "surveys.questionnaire.versioned", successor, None, questionnaire_snapshot(successor))
    return successor


@transaction.atomic
def send_questionnaire(*, questionnaire: Questionnaire, actor: Actor) -> Questionnaire:
    """Freeze the questionnaire so that invitations can go out; from now on a change makes a new version."""
    _check_designer(actor)
    current = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if current.frozen:
        return current
    before = questionnaire_snapshot(current)
    current.status = QuestionnaireStatus.SENT
    current.sent_at = timezone.now()
    current.save(update_fields=["status", "sent_at"])
    log(actor, "surveys.questionnaire.sent", current, before, questionnaire_snapshot(current))
    return current


def invitation_snapshot(invitation: Invitation) -> dict[str, Any]:
    return {
        "questionnaire": str(invitation.questionnaire),
        "email": invitation.email,
        "expires_at": invitation.expires_at,
        "answered_at": invitation.answered_at,
        "closed_at": invitation.closed_at,
        "reminders": invitation.reminders,
    }


def _check_sendable(questionnaire: Questionnaire, audience: str) -> None:
    if not questionnaire.frozen:
        raise ValidationError("送付前の調査票では回答を依頼できません。先に調査票を送付（確定）してください。")
    if questionnaire.audience != audience:
        raise ValidationError("この調査票は別の対象向けです。")


@transaction.atomic
def invite_case(
    *,
    questionnaire: Questionnaire,
    case: SupportCase,
    email: str,
    actor: Actor,
    valid_days: int = DEFAULT_VALID_DAYS,
    now: datetime.datetime | None = None,
    fiscal_year: int | None = None,
) -> tuple[Invitation, str]:
    """Invite the supported company of `case` to answer; returns the invitation and its token (shown once).

    The survey's year is the case's unless given (the follow-up survey's is the year of the follow-up).
    """
    if actor is not None and not can_write_case(actor, case):
        raise PermissionDenied("この支援事例のアンケートを依頼する権限がありません。")
    _check_sendable(questionnaire, Audience.COMPANY)
    year = fiscal_year if fiscal_year is not None else case.fiscal_year
    return _invite(questionnaire, actor, email, valid_days, now, case=case, fiscal_year=year)


@transaction.atomic
def invite_organization(
    *,
    questionnaire: Questionnaire,
    organization: Organization,
    fiscal_year: int,
    email: str,
    actor: Actor,
    valid_days: int = DEFAULT_VALID_DAYS,
    now: datetime.datetime | None = None,
) -> tuple[Invitation, str]:
    """Invite a prefecture to the municipality survey: one invitation (and answer) a prefecture a year."""
    _check_designer(actor)
    _check_sendable(questionnaire, Audience.MUNICIPALITY)
    if organization.kind != OrganizationKind.PREFECTURE:
        raise ValidationError("自治体アンケートの依頼先は都道府県です。")
    if Invitation.objects.filter(
        questionnaire__code=questionnaire.code, organization=organization, fiscal_year=fiscal_year
    ).exists():
        raise ValidationError(f"{organization.name}には{fiscal_year}年度の回答依頼を送付済みです。")
    return _invite(questionnaire, actor, email, valid_days, now, organization=organization, fiscal_year=fiscal_year)


def _invite(
    questionnaire: Questionnaire,
    actor: Actor,
    email: str,
    valid_days: int,
    now: datetime.datetime | None,
    **addressee: Any,
) -> tuple[Invitation, str]:
    now = now or timezone.now()
    invitation = Invitation(
        questionnaire=questionnaire,
        email=email,
        sent_at=now,
        expires_at=now + datetime.timedelta(days=valid_days),
        **addressee,
    )
    invitation.full_clean()
    invitation.save()
    log(actor, "surveys.invitation.created", invitation, None, invitation_snapshot(invitation))
    _recount(invitation.questionnaire, invitation.fiscal_year, actor)
    return invitation, _new_link(invitation)


def _recount(questionnaire: Questionnaire, fiscal_year: int | None, actor: Actor) -> None:
    """The KPIs counted from company survey answers, and their response rate, follow every invitation and answer."""
    if questionnaire.audience == Audience.COMPANY:
        recompute_for_year(fiscal_year, actor=actor)


def _new_link(invitation: Invitation) -> str:
    token, token_hash = new_token()
    InvitationLink.objects.create(invitation=invitation, token_hash=token_hash)
    return token


@transaction.atomic
def close_invitation(*, invitation: Invitation, actor: Actor, now: datetime.datetime | None = None) -> Invitation:
    """Close the invitation: its link no longer takes or changes an answer."""
    current = (
        Invitation.objects.select_for_update(of=("self",)).select_related("questionnaire", "case").get(pk=invitation.pk)
    )
    _check_invitation_writer(current, actor)
    if current.closed_at is None:
        before = invitation_snapshot(current)
        current.closed_at = now or timezone.now()
        current.save(update_fields=["closed_at"])
        log(actor, "surveys.invitation.closed", current, before, invitation_snapshot(current))
    return current


def _check_invitation_writer(invitation: Invitation, actor: Actor) -> None:
    if actor is None:
        return
    if invitation.case is not None and can_write_case(actor, invitation.case):
        return
    if is_jpo_writer(actor):
        return
    raise PermissionDenied("この回答依頼を操作する権限がありません。")


def needs_reminder(invitation: Invitation, today: datetime.date, now: datetime.datetime) -> bool:
    """Unanswered, open, not expired, a business day, and not reminded today already."""
    return (
        invitation.answered_at is None
        and invitation.closed_at is None
        and invitation.expires_at > now
        and is_business_day(today)
        and invitation.last_reminded_on != today
    )


@transaction.atomic
def record_reminder(
    *, invitation: Invitation, today: datetime.date, now: datetime.datetime | None = None
) -> str | None:
    """Note a reminder sent today and return the new link's token for its e-mail; None (and nothing written)
    when none is due — never twice a day, never to those who answered."""
    now = now or timezone.now()
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not needs_reminder(current, today, now):
        return None
    before = invitation_snapshot(current)
    current.last_reminded_on = today
    current.reminders += 1
    current.save(update_fields=["last_reminded_on", "reminders"])
    log(None, "surveys.invitation.reminded", current, before, invitation_snapshot(current), actor_label="督促")
    return _new_link(current)


# --- answers ------------------------------------------------------------------------------------------------


def open_invitation(token: str, now: datetime.datetime | None = None) -> Invitation:
    """The invitation of a link, if it can be answered now; else InvitationUnavailable with a kind message."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("questionnaire", "case", "organization")
        .filter(links__token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationUnavailable("このリンクは無効です。お手数ですが、依頼メールのリンクをもう一度ご確認ください。")
    if invitation.closed_at is not None:
        raise InvitationUnavailable("このアンケートは締め切りました。ご協力ありがとうございました。")
    if invitation.expires_at <= now:
        raise InvitationUnavailable("回答期限を過ぎました。回答を希望される場合は、依頼元までご連絡ください。")
    if invitation.answered_at is not None and invitation.questionnaire.anonymous:
        raise InvitationUnavailable("回答はすでに受け付けました。ご協力ありがとうございました。")
    return invitation


def current_answers(invitation: Invitation) -> dict[str, Any]:
    """What the invitee answered so far (for changing it); nothing for an anonymous questionnaire."""
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        return {}
    return {answer.question.key: answer.value for answer in response.answers.select_related("question")}


def _checked(questionnaire: Questionnaire, raw: Mapping[str, Any]) -> Checked:
    checked = check(list(questionnaire.questions.all()), raw)
    if not checked.ok:
        raise AnswersRefused(checked.errors)
    return checked


def _block_of(invitation: Invitation) -> Organization | None:
    if invitation.case is not None:
        prefecture = invitation.case.company.prefecture
        return prefecture.bureau if prefecture is not None else None
    return invitation.organization.bureau if invitation.organization is not None else None


def _month_start(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def submit_answers(*, token: str, raw: Mapping[str, Any], now: datetime.datetime | None = None) -> Response:
    """Store the answers sent through an invitation's link (no login): all or nothing, one answer per invitation.

    The answer may be changed until the invitation closes, except an anonymous one, which is stored without
    the case, the invitation or its exact time (only the month), so that nothing leads from it to the company.
    """
    now = now or timezone.now()
    invitation = open_invitation(token, now)
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("questionnaire", "case__company__prefecture", "organization")
        .get(pk=invitation.pk)
    )
    questionnaire = invitation.questionnaire
    checked = _checked(questionnaire, raw)
    if questionnaire.anonymous:
        if invitation.answered_at is not None:
            raise InvitationUnavailable("回答はすでに受け付けました。ご協力ありがとうございました。")
        invitation.answered_at = _month_start(now)
        invitation.save(update_fields=["answered_at"])
        response = Response(
            questionnaire=questionnaire,
            block=_block_of(invitation),
            fiscal_year=invitation.fiscal_year,
            submitted_at=_month_start(now),
        )
        return _store(response, checked, actor=None, action="surveys.response.anonymous")
    existing = Response.objects.select_for_update().filter(invitation=invitation).first()
    first = existing is None
    if first:
        check_one_municipal_answer(invitation)
    response = existing or Response(
        questionnaire=questionnaire,
        invitation=invitation,
        case=invitation.case,
        organization=invitation.organization,
        block=_block_of(invitation),
        fiscal_year=invitation.fiscal_year,
        submitted_at=now,
    )
    if first:
        before = invitation_snapshot(invitation)
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at"])
        log(
            None,
            "surveys.invitation.answered",
            invitation,
            before,
            invitation_snapshot(invitation),
            actor_label="回答者",
        )
    return _store(response, checked, actor=None, action="surveys.response.submitted")


@transaction.atomic
def enter_answers(
    *,
    invitation: Invitation,
    raw: Mapping[str, Any],
    channel: str,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Response:
    """Type in the answers received on paper or by phone (marked so), as the support team or JPO."""
    now = now or timezone.now()
    current = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("questionnaire", "case__company__prefecture", "organization")
        .get(pk=invitation.pk)
    )
    if actor is None:
        raise PermissionDenied("入力者を特定できません。")
    if current.organization is not None and not (
        is_jpo_writer(actor) or can_edit_organization(actor, current.organization)
    ):
        raise PermissionDenied("この回答を入力する権限がありません。")
    if current.organization is None:
        _check_invitation_writer(current, actor)
    if channel not in (Channel.PAPER, Channel.PHONE):
        raise ValidationError("入力の経路は「紙」か「電話」を選んでください。")
    if current.closed_at is not None:
        raise InvitationUnavailable("この回答依頼は締め切られています。")
    if current.questionnaire.anonymous:
        raise ValidationError("匿名の調査票には、事例と結び付く代理入力はできません。")
    checked = _checked(current.questionnaire, raw)
    response = Response.objects.select_for_update().filter(invitation=current).first() or Response(
        questionnaire=current.questionnaire,
        invitation=current,
        case=current.case,
        organization=current.organization,
        block=_block_of(current),
        fiscal_year=current.fiscal_year,
        submitted_at=now,
    )
    response.channel = channel
    response.entered_by_id = actor.pk
    if current.answered_at is None:
        before = invitation_snapshot(current)
        current.answered_at = now
        current.save(update_fields=["answered_at"])
        log(actor, "surveys.invitation.answered", current, before, invitation_snapshot(current))
    return _store(response, checked, actor=actor, action="surveys.response.entered")


def answers_snapshot(response: Response) -> dict[str, Any]:
    return {f"問{a.question.position}": a.value for a in response.answers.select_related("question")}


def _store(response: Response, checked: Checked, *, actor: Actor, action: str) -> Response:
    before = answers_snapshot(response) if response.pk else None
    if response.pk:
        response.version += 1
        response.save()
        response.answers.all().delete()
    else:
        response.save()
    by_key = {q.key: q for q in response.questionnaire.questions.all()}
    Answer.objects.bulk_create(
        [Answer(response=response, question=by_key[key], value=value) for key, value in checked.values.items()]
    )
    label = "" if actor is not None else ("匿名の回答者" if response.invitation_id is None else "回答者")
    log(actor, action, response, before, answers_snapshot(response), actor_label=label)
    _recount(response.questionnaire, response.fiscal_year, actor)
    return response


# --- the municipality survey: one answer per prefecture a year, answered while signed in too -----------------


def check_one_municipal_answer(invitation: Invitation) -> None:
    """A prefecture answers the municipality survey once a fiscal year, whichever version or link it used."""
    if invitation.organization_id is None:
        return
    other = (
        Response.objects.filter(
            questionnaire__code=invitation.questionnaire.code,
            organization_id=invitation.organization_id,
            fiscal_year=invitation.fiscal_year,
        )
        .exclude(invitation=invitation)
        .exists()
    )
    if other:
        name = invitation.organization.name if invitation.organization else ""
        raise ValidationError(
            f"{name}の{invitation.fiscal_year}年度の回答は受付済みです（自治体アンケートは1都道府県・1年度に1件です）。"
            "内容を直す場合は、受け付けた回答の依頼から修正してください。"
        )


@transaction.atomic
def issue_member_link(*, invitation: Invitation, actor: Actor, now: datetime.datetime | None = None) -> str:
    """A fresh link for a prefecture's signed-in editor to answer its municipality survey now (the e-mailed
    link's token is not kept); the answer then goes through the same page and rules as the e-mailed link."""
    current = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("questionnaire", "organization")
        .get(pk=invitation.pk)
    )
    if current.organization is None or actor is None or not can_edit_organization(actor, current.organization):
        raise PermissionDenied("この自治体アンケートに回答する権限がありません。")
    open_check = now or timezone.now()
    if current.closed_at is not None or current.expires_at <= open_check:
        raise ValidationError("この回答依頼は締め切られたか、回答期限を過ぎています。")
    check_one_municipal_answer(current)
    log(actor, "surveys.invitation.member_link", current, None, invitation_snapshot(current))
    return _new_link(current)
