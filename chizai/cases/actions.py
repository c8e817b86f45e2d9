"""The writes of hands-on support, one writer per row type: companies and their tags, cases (start, record,
corrections, stage moves with their StageChange), issues, expert support, and the bulk load of demo data.

Each one is keyword-only and transactional, checks the permission (an `actor` of None is the system: demo
data, fixtures), validates every value through the model's own validators (displayable dates, bounded free
texts), checks the version where a row has one, and writes the audit entry. Writes that can change what the
KPIs count (a new case, a stage move, the outcomes) recompute the computed KPI actuals (`chizai.cases.counting`).
Nothing else in the project saves, updates or deletes these rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from chizai.audit.log import build_entry, log, save_entries
from chizai.audit.models import AuditEntry
from chizai.cases.access import (
    can_open_push_cases,
    can_write_case,
    referring_organizations,
)
from chizai.cases.counting import recompute_for_case
from chizai.cases.hooks import follow_up_handlers
from chizai.cases.model_cases import (
    EDITABLE_STATUSES,
    build_search_text,
    can_write,
    case_categories,
    default_title,
)
from chizai.cases.model_cases import snapshot as model_case_snapshot
from chizai.cases.models import (
    ALLOWED_STAGE_MOVES,
    CaseIssue,
    Company,
    CompanyTag,
    ExpertSupport,
    IssueCategory,
    ModelCase,
    ModelCaseStatus,
    Origin,
    Stage,
    StageChange,
    SupportCase,
)
from chizai.kpis.actions import ConflictError
from chizai.lib.corporate_number import validate_corporate_number
from chizai.lib.dates import OUT_OF_RANGE_MESSAGE, is_displayable
from chizai.lib.fiscal import fiscal_year_of
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import can_edit_organization, edits_somewhere, is_jpo_writer
from chizai.organizations.types import Actor

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
    "contact_email",
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
# What the Django admin may correct beyond the record (the stage moves only through `move_stage`).
CORRECTION_FIELDS = ("company", "origin", "referred_by", "support_team", "opened_on", "closed_on", "is_demo")
EXPERT_SUPPORT_FIELDS = ("kind", "expert_type", "hours", "start_date", "end_date", "status")
COMPANY_FIELDS = (
    "corporate_number",
    "name",
    "prefecture",
    "industry",
    "sme_category",
    "employees",
    "capital",
    "registered_by",
    "is_demo",
)
DUPLICATE_MESSAGE = "この法人番号の企業はすでに登録されています"
SYSTEM = "システム"


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


def _actor_id(actor: Actor) -> Any:
    return actor.pk if actor is not None and actor.is_authenticated else None


def _validate(obj: models.Model, names: Iterable[str] | None = None) -> None:
    """The model's own validation (displayable dates, bounded texts, choices) of the named fields (or all).

    Uniqueness is left to the database and the writer's own checks, so a refusal never names another
    body's row.
    """
    fields = {f.name for f in obj._meta.concrete_fields}
    exclude = None if names is None else fields - {obj._meta.get_field(n).name for n in names}
    obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _check_date(day: datetime.date | None) -> None:
    if day is not None and not is_displayable(day):
        raise ValidationError(OUT_OF_RANGE_MESSAGE, code="date_out_of_range")


def case_snapshot(case: SupportCase) -> dict[str, Any]:
    fields = ("fiscal_year", "origin", "stage", "stage_due_date", "opened_on", "closed_on", *RECORD_FIELDS)
    snapshot = {name: getattr(case, name) for name in fields}
    snapshot.update(company=case.company_id, referred_by=case.referred_by_id, support_team=case.support_team_id)
    return snapshot


def company_snapshot(company: Company) -> dict[str, Any]:
    fields = ("corporate_number", "name", "prefecture_id", "industry", "sme_category", "employees", "capital")
    snapshot = {name: getattr(company, name) for name in fields}
    snapshot["registered_by_id"] = company.registered_by_id
    snapshot["tags"] = sorted(tag.name for tag in company.tags.all())
    return snapshot


def _issue_snapshot(issue: CaseIssue) -> dict[str, Any]:
    return {"category": issue.category, "description": issue.description}


def _support_snapshot(support: ExpertSupport) -> dict[str, Any]:
    return {name: getattr(support, name) for name in EXPERT_SUPPORT_FIELDS}


def _change_snapshot(change: StageChange) -> dict[str, Any]:
    return {"from_stage": change.from_stage, "to_stage": change.to_stage, "at": change.at, "note": change.note}


# Companies and their tags


def _check_company_writer(actor: Actor, registered_by: Organization) -> None:
    if actor is None:
        return
    if not (is_jpo_writer(actor) or can_edit_organization(actor, registered_by)):
        raise PermissionDenied("この関係主体の名前で企業を登録する権限がありません。")


def _duplicate(actor: Actor, number: str, registered_by: Organization) -> Company | None:
    """A record of the number the actor may know of: the registering body's own, or one the actor sees.

    A record only another body (invisible to the actor) holds is no duplicate: the actor's body keeps its
    own record, and nobody learns that the other exists.
    """
    same_body = Company.objects.filter(corporate_number=number, registered_by=registered_by)
    visible = Company.objects.none() if actor is None else Company.objects.visible_to(actor)
    return (same_body | visible.filter(corporate_number=number)).order_by("pk").first()


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
    actor: Actor,
    is_demo: bool = False,
    reason: str = "",
) -> Company:
    """Register a company under its corporate number for the registering body.

    A number already registered by that body, or by any body whose companies the actor sees, is refused
    (naming the company, which the actor may see).
    """
    try:
        number = validate_corporate_number(corporate_number)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    existing = _duplicate(actor, number, registered_by)
    if existing is not None:
        raise ValidationError(f"{DUPLICATE_MESSAGE}（{existing.name}）。", code="duplicate")
    _check_company_writer(actor, registered_by)
    company = Company(
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
    _validate(company)
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError as error:  # registered by the same body a moment ago
        raise ValidationError(f"{DUPLICATE_MESSAGE}。", code="duplicate") from error
    company.tags.set(_tags(tags, actor))
    log(actor, "cases.company.created", company, None, company_snapshot(company), reason=reason)
    return company


@transaction.atomic
def update_company(
    *, company: Company, changes: dict[str, Any], actor: Actor, tags: Iterable[str] | None = None, reason: str = ""
) -> Company:
    """Correct a company's details (the Django admin); `tags`, when given, replaces its tags."""
    _check_company_writer(actor, company.registered_by)
    unknown = set(changes) - set(COMPANY_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a company: {sorted(unknown)}")
    current = Company.objects.select_for_update().get(pk=company.pk)
    before = company_snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    if "corporate_number" in changes:
        try:
            current.corporate_number = validate_corporate_number(current.corporate_number)
        except ValueError as error:
            raise ValidationError(str(error)) from error
    if "registered_by" in changes:
        _check_company_writer(actor, current.registered_by)
    _validate(current, changes)
    try:
        with transaction.atomic():
            if changes:
                current.save(update_fields=list(changes))
    except IntegrityError as error:
        raise ValidationError(f"{DUPLICATE_MESSAGE}。", code="duplicate") from error
    if tags is not None:
        current.tags.set(_tags(tags, actor))
    log(actor, "cases.company.updated", current, before, company_snapshot(current), reason=reason)
    return current


@transaction.atomic
def delete_company(*, company: Company, actor: Actor, reason: str = "") -> None:
    """Remove a company registered by mistake; one with support cases stays (its cases refer to it)."""
    _check_company_writer(actor, company.registered_by)
    if company.cases.exists():
        raise ValidationError("支援案件のある企業は削除できません。")
    log(actor, "cases.company.deleted", company, company_snapshot(company), None, reason=reason)
    company.delete()


def _tags(names: Iterable[str], actor: Actor) -> list[CompanyTag]:
    return [create_tag(name=name, actor=actor) for name in sorted({n.strip() for n in names if n.strip()})]


@transaction.atomic
def create_tag(*, name: str, actor: Actor, reason: str = "") -> CompanyTag:
    """The tag of that name (地域未来牽引企業 …), created (and audited) when new."""
    existing = CompanyTag.objects.filter(name=name.strip()).first()
    if existing is not None:
        return existing
    if actor is not None and not edits_somewhere(actor):
        raise PermissionDenied("企業の区分を追加する権限がありません。")
    tag = CompanyTag(name=name.strip())
    _validate(tag)
    tag.save()
    log(actor, "cases.company_tag.created", tag, None, {"name": tag.name}, reason=reason)
    return tag


@transaction.atomic
def rename_tag(*, tag: CompanyTag, name: str, actor: Actor, reason: str = "") -> CompanyTag:
    if actor is not None and not is_jpo_writer(actor):
        raise PermissionDenied("企業の区分を変更できるのは、特許庁の編集者・管理者です。")
    before = {"name": tag.name}
    tag.name = name.strip()
    _validate(tag)
    if CompanyTag.objects.filter(name=tag.name).exclude(pk=tag.pk).exists():
        raise ValidationError("同じ名称の区分がすでにあります。")
    tag.save(update_fields=["name"])
    log(actor, "cases.company_tag.updated", tag, before, {"name": tag.name}, reason=reason)
    return tag


@transaction.atomic
def delete_tag(*, tag: CompanyTag, actor: Actor, reason: str = "") -> None:
    if actor is not None and not is_jpo_writer(actor):
        raise PermissionDenied("企業の区分を削除できるのは、特許庁の編集者・管理者です。")
    before = {"name": tag.name, "companies": tag.companies.count()}
    log(actor, "cases.company_tag.deleted", tag, before, None, reason=reason)
    tag.delete()


def _company(company: Company | CompanyData, registered_by: Organization, actor: Actor) -> Company:
    if isinstance(company, CompanyData):
        return create_company(**vars(company), registered_by=registered_by, actor=actor)
    if actor is not None and not Company.objects.visible_to(actor).filter(pk=company.pk).exists():
        raise ValidationError("企業が見つかりません。")  # as for a number nobody registered
    return company


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
    actor: Actor,
    opened_on: datetime.date | None = None,
    note: str = "",
    support_team: Organization | None = None,
    is_demo: bool = False,
) -> SupportCase:
    """A prefecture or support body refers a company (地域掘り起こし型): the JPO team takes it from here.

    The referrer is an editor of `referred_by`; the JPO team may also record a referral in a body's name.
    """
    if actor is not None and not (
        referred_by.pk in {o.pk for o in referring_organizations(actor)} or can_open_push_cases(actor)
    ):
        raise PermissionDenied("この関係主体の名前で企業を紹介する権限がありません。")
    _check_start(opened_on, note)
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
    actor: Actor,
    opened_on: datetime.date | None = None,
    note: str = "",
    is_demo: bool = False,
) -> SupportCase:
    """JPO approaches a company directly (プッシュ型)."""
    if actor is not None and not can_open_push_cases(actor):
        raise PermissionDenied("特許庁から直接の支援案件を登録できるのは、特許庁の編集者・管理者です。")
    _check_start(opened_on, note)
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


def _check_start(opened_on: datetime.date | None, note: str) -> None:
    """Refuse a bad opening date or an over-long note before anything (a new company) is written."""
    _check_date(opened_on)
    if opened_on is not None and opened_on > _today():
        raise ValidationError("受付日は今日以前の日付にしてください。")
    _validate(StageChange(note=note.strip()), ["note"])


def _start_case(
    *,
    company: Company,
    origin: str,
    referred_by: Organization | None,
    support_team: Organization,
    actor: Actor,
    opened_on: datetime.date | None,
    note: str,
    is_demo: bool,
) -> SupportCase:
    opened_on = opened_on or _today()
    # A referral recorded after the fact has waited in the referral stage since the day it was received.
    now = _moment(opened_on)
    case = SupportCase(
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
    _validate(case)
    case.save()
    change = StageChange(
        case=case,
        from_stage="",
        to_stage=Stage.REFERRAL,
        at=now,
        actor_id=_actor_id(actor),
        due_date=case.stage_due_date,
        note=note.strip(),
    )
    _validate(change)
    change.save()
    code = "cases.case.referred" if origin == Origin.REGIONAL else "cases.case.opened"
    log(actor, code, case, None, case_snapshot(case), reason=note.strip())
    recompute_for_case(case, actor=actor)
    return case


# The case as it goes on


def _check_writer(case: SupportCase, actor: Actor) -> None:
    if actor is not None and not can_write_case(actor, case):
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
    actor: Actor,
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
    _check_date(due_date)
    _check_date(on)
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
    change = StageChange(
        case=current,
        from_stage=from_stage,
        to_stage=to_stage,
        at=now,
        actor_id=_actor_id(actor),
        due_date=current.stage_due_date,
        note=note.strip(),
    )
    _validate(change)
    _validate(current, ["stage", "stage_entered_at", "stage_due_date", "closed_on"])
    _save(current, ["stage", "stage_entered_at", "stage_due_date", "closed_on"])
    change.save()
    log(actor, "cases.case.stage_moved", current, before, case_snapshot(current), reason=note.strip())
    recompute_for_case(current, actor=actor)
    if to_stage == Stage.FOLLOW_UP:
        for handler in follow_up_handlers():
            handler(current, on)
    _refresh(case, current)
    return case


def _refresh(case: SupportCase, current: SupportCase) -> None:
    """Bring the caller's object up to date with the row just written."""
    names = ("stage", "stage_entered_at", "stage_due_date", "closed_on", "version", *RECORD_FIELDS)
    for name in (*names, *CORRECTION_FIELDS, "fiscal_year"):
        setattr(case, name, getattr(current, name))


@transaction.atomic
def save_case_record(
    *, case: SupportCase, changes: dict[str, Any], expected_version: int | None, actor: Actor, reason: str = ""
) -> SupportCase:
    """Save the hearing notes, agreed actions, follow-up and outcomes; ConflictError if someone saved first."""
    unknown = set(changes) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"not part of the case record: {sorted(unknown)}")
    return update_case(case=case, changes=changes, expected_version=expected_version, actor=actor, reason=reason)


@transaction.atomic
def update_case(
    *, case: SupportCase, changes: dict[str, Any], expected_version: int | None, actor: Actor, reason: str = ""
) -> SupportCase:
    """Change the case record or correct the case itself (the Django admin): company, origin, referrer,
    support team, dates. The stage moves only through `move_stage`; the fiscal year follows the opening date.
    """
    _check_writer(case, actor)
    unknown = set(changes) - set(RECORD_FIELDS) - set(CORRECTION_FIELDS)
    if unknown:
        raise ValueError(f"not fields of a case a user may change: {sorted(unknown)}")
    current = _locked(case, expected_version)
    before = case_snapshot(current)
    names = [*changes, *(["fiscal_year"] if "opened_on" in changes else [])]
    old = {name: _value(current, name) for name in names}
    for name, value in changes.items():
        setattr(current, name, value)
    if "opened_on" in changes:
        current.fiscal_year = fiscal_year_of(current.opened_on)
    _validate(current, names)
    changed = [name for name in names if old[name] != _value(current, name)]
    if not changed:
        return case
    _save(current, [_column(current, name) for name in changed])
    log(actor, "cases.case.updated", current, before, case_snapshot(current), reason=reason)
    recompute_for_case(current, actor=actor)
    _refresh(case, current)
    return case


def _column(case: SupportCase, name: str) -> str:
    """The column of a field: `company_id` for the company."""
    return case._meta.get_field(name).attname  # type: ignore[union-attr]


def _value(case: SupportCase, name: str) -> Any:
    return getattr(case, _column(case, name))


@transaction.atomic
def delete_case(*, case: SupportCase, actor: Actor, reason: str = "") -> None:
    """Remove a case entered by mistake, with its stage history, issues and expert support (each audited);
    one already written up as a model case stays."""
    _check_writer(case, actor)
    if hasattr(case, "model_case"):
        raise ValidationError("モデル事例のある支援案件は削除できません。")
    for change in case.stage_changes.all():
        log(actor, "cases.stage_change.deleted", change, _change_snapshot(change), None, reason=reason)
    for issue in case.issues.all():
        log(actor, "cases.issue.removed", issue, _issue_snapshot(issue), None, reason=reason)
    for support in case.expert_supports.all():
        log(actor, "cases.expert_support.removed", support, _support_snapshot(support), None, reason=reason)
    log(actor, "cases.case.deleted", case, case_snapshot(case), None, reason=reason)
    case.delete()
    recompute_for_case(case, actor=actor)


# Issues and expert support


@transaction.atomic
def add_issue(
    *,
    case: SupportCase,
    category: str,
    description: str,
    actor: Actor,
    reason: str = "",
    audit_action: str = "cases.issue.added",
) -> CaseIssue:
    """Record an issue extracted at the hearing (the Django admin records it as `cases.issue.created`)."""
    _check_writer(case, actor)
    if not description.strip():
        raise ValidationError("課題の内容を入力してください。")
    issue = CaseIssue(case=case, category=category, description=description.strip())
    _validate(issue)
    issue.save()
    log(actor, audit_action, issue, None, _issue_snapshot(issue), reason=reason)
    return issue


@transaction.atomic
def update_issue(*, issue: CaseIssue, category: str, description: str, actor: Actor, reason: str = "") -> CaseIssue:
    _check_writer(issue.case, actor)
    before = _issue_snapshot(issue)
    issue.category, issue.description = category, description.strip()
    _validate(issue, ["category", "description"])
    issue.save(update_fields=["category", "description"])
    log(actor, "cases.issue.updated", issue, before, _issue_snapshot(issue), reason=reason)
    return issue


@transaction.atomic
def remove_issue(*, issue: CaseIssue, actor: Actor, reason: str = "") -> None:
    _check_writer(issue.case, actor)
    log(actor, "cases.issue.removed", issue, _issue_snapshot(issue), None, reason=reason)
    issue.delete()


def _check_support_dates(support: ExpertSupport) -> None:
    if support.start_date and support.end_date and support.end_date < support.start_date:
        raise ValidationError("終了日は開始日以降の日付にしてください。")


@transaction.atomic
def add_expert_support(
    *,
    case: SupportCase,
    kind: str,
    expert_type: str,
    actor: Actor,
    hours: Decimal | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    status: str = "planned",
    reason: str = "",
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
    _validate(support)
    _check_support_dates(support)
    support.save()
    log(actor, "cases.expert_support.added", support, None, _support_snapshot(support), reason=reason)
    return support


@transaction.atomic
def update_expert_support(
    *, support: ExpertSupport, changes: dict[str, Any], actor: Actor, reason: str = ""
) -> ExpertSupport:
    _check_writer(support.case, actor)
    unknown = set(changes) - set(EXPERT_SUPPORT_FIELDS)
    if unknown:
        raise ValueError(f"not part of an expert support: {sorted(unknown)}")
    before = _support_snapshot(support)
    if not changes:
        return support
    for name, value in changes.items():
        setattr(support, name, value)
    _validate(support, changes)
    _check_support_dates(support)
    support.save(update_fields=list(changes))
    log(actor, "cases.expert_support.updated", support, before, _support_snapshot(support), reason=reason)
    return support


@transaction.atomic
def remove_expert_support(*, support: ExpertSupport, actor: Actor, reason: str = "") -> None:
    _check_writer(support.case, actor)
    log(actor, "cases.expert_support.removed", support, _support_snapshot(support), None, reason=reason)
    support.delete()


# Bulk: the demo data


@dataclass
class LoadedCase:
    """A whole case as it stands after the fact (demo data): the case, its stage history and records."""

    case: SupportCase
    stage_changes: list[StageChange]
    issues: list[CaseIssue]
    expert_supports: list[ExpertSupport]


def _audit_bulk(entries: Sequence[AuditEntry | None]) -> None:
    save_entries(entries)


@transaction.atomic
def load_companies(
    *, companies: Sequence[tuple[Company, Sequence[str]]], actor_label: str, plan_id: int | None = None
) -> list[Company]:
    """Create many companies with their tags at once (the demo data), validated and audited row by row."""
    for company, _tags_of in companies:
        _validate(company)
    created = Company.objects.bulk_create([company for company, _tags_of in companies])
    tags = {name: create_tag(name=name, actor=None) for _c, names in companies for name in names}
    Company.tags.through.objects.bulk_create(
        [
            Company.tags.through(company_id=company.pk, companytag_id=tags[name].pk)
            for company, (_c, names) in zip(created, companies, strict=True)
            for name in names
        ]
    )
    _audit_bulk(
        [
            build_entry(
                None, "cases.company.created", c, None, company_snapshot(c), plan_id=plan_id, actor_label=actor_label
            )
            for c in created
        ]
    )
    return created


@transaction.atomic
def load_cases(*, cases: Sequence[LoadedCase], actor_label: str, plan_id: int | None = None) -> list[SupportCase]:
    """Create many whole cases at once (the demo data), validated and audited; the caller recomputes the KPIs."""
    for loaded in cases:
        _validate(loaded.case)
        for child in (*loaded.issues, *loaded.expert_supports):
            _validate(child, [f.name for f in child._meta.concrete_fields if f.name not in ("id", "case")])
        for change in loaded.stage_changes:
            _validate(change, ["from_stage", "to_stage", "at", "due_date", "note"])
    created = SupportCase.objects.bulk_create([loaded.case for loaded in cases])
    for loaded, case in zip(cases, created, strict=True):
        for change in loaded.stage_changes:
            change.case = case
        for issue in loaded.issues:
            issue.case = case
        for support in loaded.expert_supports:
            support.case = case
    StageChange.objects.bulk_create([c for loaded in cases for c in loaded.stage_changes])
    CaseIssue.objects.bulk_create([i for loaded in cases for i in loaded.issues])
    ExpertSupport.objects.bulk_create([s for loaded in cases for s in loaded.expert_supports])
    _audit_bulk(
        [
            build_entry(
                None,
                "cases.case.referred" if case.origin == Origin.REGIONAL else "cases.case.opened",
                case,
                None,
                case_snapshot(case),
                plan_id=plan_id,
                actor_label=actor_label,
            )
            for case in created
        ]
    )
    return created


# --- model cases (モデル事例): the texts and the consent; the workflow moves run through chizai.workflow ---


def _model_case_for_update(model_case: ModelCase) -> ModelCase:
    return (
        ModelCase.objects.select_for_update()
        .select_related("case", "case__company", "case__support_team", "region")
        .get(pk=model_case.pk)
    )


@transaction.atomic
def create_model_case(*, case: SupportCase, actor: Actor) -> ModelCase:
    """Start the model case of a closed case (or return the one already started), prefilled from the case."""
    if actor is None or not can_write(actor, case):
        raise PermissionDenied("この案件のモデル事例を作成できるのは支援チームの編集者・管理者です。")
    existing = ModelCase.objects.filter(case=case).first()
    if existing is not None:
        return existing
    if case.stage != Stage.CLOSED:
        raise ValidationError("モデル事例は終了した案件からのみ作成できます。")
    try:
        with transaction.atomic():
            model_case = ModelCase.objects.create(
                case=case,
                title=default_title(case),
                summary="",
                industry=case.company.industry,
                region=case.company.prefecture,
                issue_categories=case_categories(case),
            )
    except IntegrityError:
        return ModelCase.objects.get(case=case)  # someone else pressed 「作成する」 at the same moment
    log(actor, "cases.model_case.created", model_case, None, model_case_snapshot(model_case))
    return model_case


@transaction.atomic
def save_model_case(
    *,
    model_case: ModelCase,
    title: str,
    summary: str,
    industry: str,
    region: Organization,
    issue_categories: list[str],
    expected_version: int,
    actor: Actor,
) -> ModelCase:
    """Save the texts to be published; only while the model case is being written (作成中・公開停止)."""
    current = _model_case_for_update(model_case)
    if actor is None or not can_write(actor, current.case):
        raise PermissionDenied("このモデル事例を編集する権限がありません。")
    if current.status not in EDITABLE_STATUSES:
        raise ValidationError(f"このモデル事例は「{current.get_status_display()}」のため編集できません。")
    if current.version != expected_version:
        raise ConflictError()
    if region.kind != OrganizationKind.PREFECTURE:
        raise ValidationError("地域には都道府県を選んでください。")
    unknown = set(issue_categories) - set(IssueCategory.values)
    if unknown:
        raise ValidationError("課題の分類が正しくありません。")
    before = model_case_snapshot(current)
    current.title, current.summary, current.industry = title.strip(), summary.strip(), industry.strip()
    current.region = region
    current.issue_categories = [value for value in IssueCategory.values if value in issue_categories]
    current.version += 1
    current.save()
    log(actor, "cases.model_case.updated", current, before, model_case_snapshot(current))
    return current


@transaction.atomic
def record_consent(*, model_case: ModelCase, consent_date: datetime.date, note: str, actor: Actor) -> ModelCase:
    """Record the company's consent to publication (公開同意): when, and how it was given."""
    current = _model_case_for_update(model_case)
    if actor is None or not can_write(actor, current.case):
        raise PermissionDenied("公開同意を記録する権限がありません。")
    if current.status not in EDITABLE_STATUSES:
        raise ValidationError(f"このモデル事例は「{current.get_status_display()}」のため変更できません。")
    before = model_case_snapshot(current)
    current.consent_recorded, current.consent_date, current.consent_note = True, consent_date, note.strip()
    current.version += 1
    current.save()
    log(actor, "cases.model_case.consent_recorded", current, before, model_case_snapshot(current))
    return current


@transaction.atomic
def load_model_case(
    *, model_case: ModelCase, actor: Actor, reason: str = "", actor_label: str = "", plan_id: int | None = None
) -> ModelCase:
    """Store a model case as it stood elsewhere (demo data, a migration): status and dates as given, the search
    text computed when it is published, one audit entry. Refused when the case has a model case already."""
    if model_case.pk is not None or ModelCase.objects.filter(case=model_case.case).exists():
        raise ValidationError("この案件のモデル事例はすでにあります。")
    if model_case.status == ModelCaseStatus.PUBLISHED:
        model_case.search_text = build_search_text(model_case)
    model_case.save()
    after = model_case_snapshot(model_case)
    log(
        actor,
        "cases.model_case.created",
        model_case,
        None,
        after,
        reason=reason,
        actor_label=actor_label,
        plan_id=plan_id,
    )
    return model_case
