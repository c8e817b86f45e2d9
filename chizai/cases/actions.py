"""The writes of hands-on support: companies, referrals, stage moves, the case record, issues, expert support.

Each one is transactional and audited. Writes that can change what the KPIs count (a new case, a stage move,
the outcomes) recompute the computed KPI actuals of the case's fiscal year (`chizai.cases.counting`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chizai.audit.log import log
from chizai.cases.access import (
    can_open_push_cases,
    can_write_case,
    companies_visible_to,
    referring_organizations,
)
from chizai.cases.models import (
    ALLOWED_STAGE_MOVES,
    CaseIssue,
    Company,
    CompanyTag,
    ExpertSupport,
    Origin,
    Stage,
    StageChange,
    SupportCase,
)
from chizai.kpis.actions import ConflictError
from chizai.lib.corporate_number import validate_corporate_number
from chizai.lib.fiscal import fiscal_year_of
from chizai.organizations.models import Organization, OrganizationKind

# Days allowed in each stage before the case shows as overdue (期限), from the day the stage is entered.
DEFAULT_STAGE_DAYS: dict[str, int] = {
    Stage.REFERRAL: 30,
    Stage.HEARING: 30,
    Stage.ISSUE_EXTRACTION: 30,
    Stage.AGREED: 30,
    Stage.EXPERT_SUPPORT: 90,
    Stage.ACTIONS: 90,
    Stage.FOLLOW_UP: 180,
}

# The case record: what the support team writes down as the case goes on (not the stage or the company).
RECORD_FIELDS = (
    "hearing_notes",
    "actions_agreed",
    "follow_up_results",
    "followed_up_on",
    "outcome_ip_in_strategy",
    "outcome_acted_on",
    "outcome_business_growth",
    "outcome_ip_acquired_or_used",
    "stage_due_date",
)
EXPERT_SUPPORT_FIELDS = ("kind", "expert_type", "hours", "start_date", "end_date", "status")
DUPLICATE_MESSAGE = "この法人番号の企業はすでに登録されています"


@dataclass(frozen=True)
class CompanyData:
    """What is known of a company not yet registered, as typed on the referral form."""

    corporate_number: str
    name: str
    prefecture: Organization
    industry: str
    sme_category: str
    employees: int | None = None
    capital: Decimal | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


def _today() -> datetime.date:
    return timezone.localdate()


def _moment(day: datetime.date) -> datetime.datetime:
    """When a stage began: now for today, else the morning of the (back-dated) day."""
    now = timezone.now()
    if timezone.localdate(now) == day:
        return now
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def default_due_date(stage: str, entered: datetime.date) -> datetime.date | None:
    days = DEFAULT_STAGE_DAYS.get(stage)
    return entered + datetime.timedelta(days=days) if days is not None else None


def _recompute(case: SupportCase, actor: Any) -> None:
    from chizai.cases.counting import recompute_for_case

    recompute_for_case(case, actor=actor)


def case_snapshot(case: SupportCase) -> dict[str, Any]:
    fields = ("fiscal_year", "origin", "stage", "stage_due_date", "opened_on", "closed_on", *RECORD_FIELDS)
    snapshot = {name: getattr(case, name) for name in fields}
    snapshot.update(company=case.company_id, referred_by=case.referred_by_id, support_team=case.support_team_id)
    return snapshot


def company_snapshot(company: Company) -> dict[str, Any]:
    fields = ("corporate_number", "name", "prefecture_id", "industry", "sme_category", "employees", "capital")
    snapshot = {name: getattr(company, name) for name in fields}
    snapshot["tags"] = sorted(tag.name for tag in company.tags.all())
    return snapshot


# Companies


def duplicate_message(user: Any, existing: Company) -> str:
    """Name the registered company only to those who may see it; the rest learn only that it exists."""
    if companies_visible_to(user).filter(pk=existing.pk).exists():
        return f"{DUPLICATE_MESSAGE}（{existing.name}）。"
    return f"{DUPLICATE_MESSAGE}。"


@transaction.atomic
def create_company(
    *,
    corporate_number: str,
    name: str,
    prefecture: Organization,
    industry: str,
    sme_category: str,
    employees: int | None = None,
    capital: Decimal | None = None,
    tags: Iterable[str] = (),
    registered_by: Organization,
    actor: Any,
    is_demo: bool = False,
) -> Company:
    """Register a company under its corporate number; a number already registered is refused."""
    try:
        number = validate_corporate_number(corporate_number)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    existing = Company.objects.filter(corporate_number=number).first()
    if existing is not None:
        raise ValidationError(duplicate_message(actor, existing), code="duplicate")
    try:
        with transaction.atomic():
            company = Company.objects.create(
                corporate_number=number,
                name=name.strip(),
                prefecture=prefecture,
                industry=industry.strip(),
                sme_category=sme_category,
                employees=employees,
                capital=capital,
                registered_by=registered_by,
                is_demo=is_demo,
            )
    except IntegrityError as error:  # registered by someone else a moment ago
        raise ValidationError(f"{DUPLICATE_MESSAGE}。", code="duplicate") from error
    set_tags(company, tags)
    log(actor, "cases.company.created", company, None, company_snapshot(company))
    return company


def set_tags(company: Company, names: Iterable[str]) -> None:
    cleaned = sorted({name.strip() for name in names if name.strip()})
    company.tags.set([CompanyTag.objects.get_or_create(name=name)[0] for name in cleaned])


def _company(company: Company | CompanyData, registered_by: Organization, actor: Any) -> Company:
    if isinstance(company, Company):
        return company
    return create_company(**vars(company), registered_by=registered_by, actor=actor)


# Starting a case


def jpo() -> Organization:
    organization = Organization.objects.filter(kind=OrganizationKind.JPO).order_by("pk").first()
    if organization is None:
        raise ValidationError("特許庁が関係主体に登録されていません。")
    return organization


@transaction.atomic
def refer_case(
    *,
    company: Company | CompanyData,
    referred_by: Organization,
    actor: Any,
    opened_on: datetime.date | None = None,
    note: str = "",
    support_team: Organization | None = None,
    is_demo: bool = False,
) -> SupportCase:
    """A prefecture or support body refers a company (地域掘り起こし型): the JPO team takes it from here.

    The referrer is an editor of `referred_by`; the JPO team may also record a referral in a body's name.
    """
    allowed = {o.pk for o in referring_organizations(actor)}
    if referred_by.pk not in allowed and not can_open_push_cases(actor):
        raise PermissionDenied("この関係主体の名前で企業を紹介する権限がありません。")
    return _start_case(
        company=_company(company, referred_by, actor),
        origin=Origin.REGIONAL,
        referred_by=referred_by,
        support_team=support_team or jpo(),
        actor=actor,
        opened_on=opened_on,
        note=note,
        is_demo=is_demo,
    )


@transaction.atomic
def open_case(
    *,
    company: Company | CompanyData,
    actor: Any,
    opened_on: datetime.date | None = None,
    note: str = "",
    is_demo: bool = False,
) -> SupportCase:
    """JPO approaches a company directly (プッシュ型)."""
    if not can_open_push_cases(actor):
        raise PermissionDenied("特許庁から直接の支援案件を登録できるのは、特許庁の編集者・管理者です。")
    team = jpo()
    return _start_case(
        company=_company(company, team, actor),
        origin=Origin.PUSH,
        referred_by=None,
        support_team=team,
        actor=actor,
        opened_on=opened_on,
        note=note,
        is_demo=is_demo,
    )


def _start_case(
    *,
    company: Company,
    origin: str,
    referred_by: Organization | None,
    support_team: Organization,
    actor: Any,
    opened_on: datetime.date | None,
    note: str,
    is_demo: bool,
) -> SupportCase:
    opened_on = opened_on or _today()
    if opened_on > _today():
        raise ValidationError("受付日は今日以前の日付にしてください。")
    # A referral recorded after the fact has waited in the referral stage since the day it was received.
    now = _moment(opened_on)
    case = SupportCase.objects.create(
        company=company,
        fiscal_year=fiscal_year_of(opened_on),
        origin=origin,
        referred_by=referred_by,
        support_team=support_team,
        stage=Stage.REFERRAL,
        stage_entered_at=now,
        stage_due_date=default_due_date(Stage.REFERRAL, opened_on),
        opened_on=opened_on,
        is_demo=is_demo,
    )
    StageChange.objects.create(
        case=case,
        from_stage="",
        to_stage=Stage.REFERRAL,
        at=now,
        actor=_user(actor),
        due_date=case.stage_due_date,
        note=note.strip(),
    )
    code = "cases.case.referred" if origin == Origin.REGIONAL else "cases.case.opened"
    log(actor, code, case, None, case_snapshot(case), reason=note.strip())
    _recompute(case, actor)
    return case


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# The case as it goes on


def _check_writer(case: SupportCase, actor: Any) -> None:
    if not can_write_case(actor, case):
        raise PermissionDenied("この支援案件を変更する権限がありません。")


def _locked(case: SupportCase, expected_version: int | None) -> SupportCase:
    """The case row, locked for the rest of the transaction, after the version check."""
    current = SupportCase.objects.select_for_update(of=("self",)).select_related("company").get(pk=case.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError()
    return current


def _save(case: SupportCase, fields: list[str]) -> None:
    # The version in the UPDATE guards databases where SELECT … FOR UPDATE does not lock.
    values = {name: getattr(case, name) for name in fields}
    updated = SupportCase.objects.filter(pk=case.pk, version=case.version).update(**values, version=case.version + 1)
    if updated != 1:
        raise ConflictError()
    case.version += 1


def stage_move_error(case: SupportCase, to_stage: str) -> str | None:
    """Why the case cannot move to `to_stage` (in Japanese), or None when it can."""
    if to_stage not in Stage.values:
        return "不明な段階です。"
    if to_stage == case.stage:
        return f"この案件はすでに「{Stage(to_stage).label}」の段階です。"
    if not case.can_move_to(to_stage):
        allowed = "、".join(f"「{Stage(s).label}」" for s in ALLOWED_STAGE_MOVES[Stage(case.stage)])
        where = f"移れるのは{allowed}です。" if allowed else "終了した案件の段階は変更できません。"
        return f"「{Stage(case.stage).label}」から「{Stage(to_stage).label}」へは移れません。{where}"
    return None


@transaction.atomic
def move_stage(
    *,
    case: SupportCase,
    to_stage: str,
    actor: Any,
    note: str = "",
    due_date: datetime.date | None = None,
    expected_version: int | None = None,
    on: datetime.date | None = None,
) -> SupportCase:
    """Move the case to another stage (only the moves of ALLOWED_STAGE_MOVES) and record the change.

    The new stage's due date defaults to DEFAULT_STAGE_DAYS after `on` (today); closing sets the end date.
    """
    _check_writer(case, actor)
    current = _locked(case, expected_version)
    error = stage_move_error(current, to_stage)
    if error:
        raise ValidationError(error)
    on = on or _today()
    if due_date is not None and due_date < on:
        raise ValidationError("期限は今日以降の日付にしてください。")
    if on < timezone.localdate(current.stage_entered_at):
        raise ValidationError("段階の変更日が、現在の段階の開始日より前になっています。")
    before = case_snapshot(current)
    closing = to_stage == Stage.CLOSED
    now = _moment(on)
    from_stage = current.stage
    current.stage = to_stage
    current.stage_entered_at = now
    current.stage_due_date = None if closing else (due_date or default_due_date(to_stage, on))
    current.closed_on = on if closing else None
    _save(current, ["stage", "stage_entered_at", "stage_due_date", "closed_on"])
    StageChange.objects.create(
        case=current,
        from_stage=from_stage,
        to_stage=to_stage,
        at=now,
        actor=_user(actor),
        due_date=current.stage_due_date,
        note=note.strip(),
    )
    log(actor, "cases.case.stage_moved", current, before, case_snapshot(current), reason=note.strip())
    _recompute(current, actor)
    _refresh(case, current)
    return case


def _refresh(case: SupportCase, current: SupportCase) -> None:
    """Bring the caller's object up to date with the row just written."""
    for name in ("stage", "stage_entered_at", "stage_due_date", "closed_on", "version", *RECORD_FIELDS):
        setattr(case, name, getattr(current, name))


@transaction.atomic
def save_case_record(
    *, case: SupportCase, changes: dict[str, Any], expected_version: int | None, actor: Any, reason: str = ""
) -> SupportCase:
    """Save the hearing notes, agreed actions, follow-up and outcomes; ConflictError if someone saved first."""
    _check_writer(case, actor)
    unknown = set(changes) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"not part of the case record: {sorted(unknown)}")
    current = _locked(case, expected_version)
    before = case_snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    changed = [name for name in changes if before[name] != getattr(current, name)]
    if not changed:
        return case
    _save(current, changed)
    log(actor, "cases.case.updated", current, before, case_snapshot(current), reason=reason)
    _recompute(current, actor)
    _refresh(case, current)
    return case


# Issues and expert support


@transaction.atomic
def add_issue(*, case: SupportCase, category: str, description: str, actor: Any) -> CaseIssue:
    _check_writer(case, actor)
    if not description.strip():
        raise ValidationError("課題の内容を入力してください。")
    issue = CaseIssue.objects.create(case=case, category=category, description=description.strip())
    log(actor, "cases.issue.added", issue, None, {"category": category, "description": issue.description})
    return issue


@transaction.atomic
def remove_issue(*, issue: CaseIssue, actor: Any) -> None:
    _check_writer(issue.case, actor)
    log(actor, "cases.issue.removed", issue, {"category": issue.category, "description": issue.description}, None)
    issue.delete()


def _support_snapshot(support: ExpertSupport) -> dict[str, Any]:
    return {name: getattr(support, name) for name in EXPERT_SUPPORT_FIELDS}


def _check_support_dates(support: ExpertSupport) -> None:
    if support.start_date and support.end_date and support.end_date < support.start_date:
        raise ValidationError("終了日は開始日以降の日付にしてください。")


@transaction.atomic
def add_expert_support(
    *,
    case: SupportCase,
    kind: str,
    expert_type: str,
    actor: Any,
    hours: Decimal | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    status: str = "planned",
) -> ExpertSupport:
    """Record an INPIT expert dispatch or an accelerated support (専門家派遣・加速的支援)."""
    _check_writer(case, actor)
    support = ExpertSupport(
        case=case,
        kind=kind,
        expert_type=expert_type.strip(),
        hours=hours,
        start_date=start_date,
        end_date=end_date,
        status=status,
    )
    _check_support_dates(support)
    support.save()
    log(actor, "cases.expert_support.added", support, None, _support_snapshot(support))
    return support


@transaction.atomic
def update_expert_support(*, support: ExpertSupport, changes: dict[str, Any], actor: Any) -> ExpertSupport:
    _check_writer(support.case, actor)
    unknown = set(changes) - set(EXPERT_SUPPORT_FIELDS)
    if unknown:
        raise ValueError(f"not part of an expert support: {sorted(unknown)}")
    before = _support_snapshot(support)
    if not changes:
        return support
    for name, value in changes.items():
        setattr(support, name, value)
    _check_support_dates(support)
    support.save(update_fields=list(changes))
    log(actor, "cases.expert_support.updated", support, before, _support_snapshot(support))
    return support
