"""The one writer of every row the KPI app owns: plans, KPI definitions, targets, actuals, written evaluations,
KPI revisions and notices.

Every write — the entry pages, the API, the importer, the plan loader, revisions, demo data and the admin —
goes through a function here. Each one is keyword-only and transactional, and does, in this order:

- the permission check (`actor` is the user; a system loader passes `actor=None` and names itself with
  `actor_label`, and the user check is then skipped explicitly);
- the lock (`chizai.kpis.locks`: e.g. a figure an accepted self-evaluation reported) and the refusal to write
  a figure that is counted from hands-on support cases (`Kpi.counting_rule`) except by that computation;
- the version check: a single row is updated with its version in the UPDATE's WHERE; a bulk write locks the
  rows (SELECT … FOR UPDATE), compares their versions in one query and writes them in one bulk UPDATE;
- the subset check (内数: a subset KPI never exceeds its parent);
- the audit entry (`chizai.audit.log`), one per changed row.

The bulk variants (`save_targets`, `save_actuals`, `save_evaluations`) take rows, check every row first and
raise `RowsRefused` listing every refused row before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from chizai.audit.bulk import Inserter, insert_rows
from chizai.audit.log import Draft, Drafter, build_entry, draft_row, entry_inserter, save_drafts, save_entries
from chizai.audit.models import AuditEntry
from chizai.kpis import figures
from chizai.kpis.achievement import YearFigure, year_figure
from chizai.kpis.counting_rules import counts_survey_answers
from chizai.kpis.locks import lock_reason, lock_reasons
from chizai.kpis.models import (
    COUNTED_SOURCES,
    Actual,
    ActualSource,
    DemoDataset,
    Evaluation,
    HalfChoice,
    Kpi,
    KpiFigure,
    KpiKind,
    KpiRevision,
    Notice,
    Plan,
    RevisionStatus,
    Target,
    actual_figure,
)
from chizai.kpis.revisions import (
    can_propose,
    change_lines,
    may_report,
    plain_number,
    target_change_lines,
)
from chizai.lib.numbers import format_quantity
from chizai.lib.wareki import wareki_fiscal_year
from chizai.organizations.permissions import can_edit_organization, is_jpo_admin
from chizai.organizations.types import Actor

CONFLICT_MESSAGE = (
    "保存できませんでした。この画面を開いた後に、他の利用者が同じ値を更新しています。"
    "画面を再読み込みして最新の値を確認してから、もう一度入力してください。"
)
CASES_SOURCE, SURVEY_SOURCE = "ハンズオン支援案件", "アンケートの回答"


def _counted(source: str, refused: str) -> str:
    return f"この指標の実績は{source}から自動集計されるため、{refused}。"


COMPUTED_MESSAGE = _counted(CASES_SOURCE, "入力・変更できません")
SURVEY_MESSAGE = _counted(SURVEY_SOURCE, "入力・変更できません")
DATA_PERMISSION_MESSAGE = "このKPIのデータを変更する権限がありません。"
DEFINITION_PERMISSION_MESSAGE = "このKPIの定義を登録・変更する権限がありません。"
SYSTEM_LABEL = "システム"
PLAN_PERMISSION_MESSAGE = "計画を変更できるのは特許庁の管理者だけです。"


class ConflictError(Exception):
    """A concurrent edit: the row changed (or appeared) since the user loaded it."""

    def __init__(self, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


class RowsRefused(ValidationError):
    """Rows of a bulk write that may not be written: (index in the rows given, Japanese message) each."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__([message for _, message in problems])
        self.problems = problems


@dataclass
class WriteCounts:
    """How many rows a write created, changed and removed (unchanged rows are not counted)."""

    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted


@dataclass(frozen=True)
class Writer:
    """Who a write is recorded against and why: a user, or the system named by `label`."""

    actor: Actor
    label: str = ""
    reason: str = ""
    # The caller checked a permission that covers this write (reporting a revision applies it to the KPI).
    authorized: bool = False

    def __post_init__(self) -> None:
        if self.actor is None and not self.label:
            object.__setattr__(self, "label", SYSTEM_LABEL)  # a system write without a name of its own

    @property
    def unchecked(self) -> bool:
        """A loader of shipped or demo data (no user to check), or a write its caller already authorised."""
        return self.actor is None or self.authorized


# --- permission ------------------------------------------------------------------------------------------


def _check_data_writer(writer: Writer, kpi: Kpi) -> None:
    """Targets, actuals and evaluations: editors of the KPI's owner (and JPO administrators)."""
    if writer.unchecked or writer.actor is None:
        return
    if not can_edit_organization(writer.actor, kpi.owner):
        raise PermissionDenied(DATA_PERMISSION_MESSAGE)


def _check_data_writers(writer: Writer, kpis: Iterable[Kpi]) -> None:
    checked: set[int] = set()
    for kpi in kpis:
        if kpi.owner_id not in checked:
            _check_data_writer(writer, kpi)
            checked.add(kpi.owner_id)


def _check_definition_writer(writer: Writer, kind: str, owner: Any) -> None:
    """A regional KPI is defined by its prefecture's editors; every other KPI is plan text (JPO administrators)."""
    if writer.unchecked or writer.actor is None:
        return
    allowed = can_edit_organization(writer.actor, owner) if kind == KpiKind.REGIONAL else is_jpo_admin(writer.actor)
    if not allowed:
        raise PermissionDenied(DEFINITION_PERMISSION_MESSAGE)


def _check_plan_writer(writer: Writer) -> None:
    if writer.unchecked or writer.actor is None:
        return
    if not is_jpo_admin(writer.actor):
        raise PermissionDenied(PLAN_PERMISSION_MESSAGE)


# --- audit -----------------------------------------------------------------------------------------------


def _entry(
    writer: Writer, action: str, obj: models.Model, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> AuditEntry | None:
    kpi_id, plan_id = _links(obj)
    return build_entry(
        writer.actor,
        action,
        obj,
        before,
        after,
        kpi_id=kpi_id,
        plan_id=plan_id,
        reason=writer.reason,
        actor_label=writer.label,
    )


def _audit(
    writer: Writer, action: str, obj: models.Model, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> None:
    entry = _entry(writer, action, obj, before, after)
    if entry is not None:
        entry.save()


def _links(obj: models.Model) -> tuple[int | None, int | None]:
    """The KPI and plan an entry is listed under (the KPI page's and the plan's history)."""
    if isinstance(obj, Plan):
        return None, obj.pk
    if isinstance(obj, Kpi):
        return obj.pk, obj.plan_id
    kpi = getattr(obj, "kpi", None)
    if isinstance(kpi, Kpi):
        return kpi.pk, kpi.plan_id
    return None, None


def kpi_state(kpi: Kpi) -> dict[str, Any]:
    """What the audit records of a KPI definition."""
    return {
        **kpi.snapshot(),
        "numbering": kpi.numbering,
        "description": kpi.description,
        "target_source": kpi.target_source,
    }


def plan_state(plan: Plan) -> dict[str, Any]:
    return {**plan.snapshot(), "source": plan.source, "description": plan.description}


# --- plans and KPI definitions ---------------------------------------------------------------------------


@transaction.atomic
def save_plan(
    *, number: int, values: Mapping[str, Any], actor: Actor, actor_label: str = "", reason: str = ""
) -> tuple[Plan, WriteCounts]:
    """Create or change the plan with this number (第N次); returns it and what was written."""
    writer = Writer(actor, actor_label, reason)
    _check_plan_writer(writer)
    plan = Plan.objects.select_for_update().filter(number=number).first()
    if plan is None:
        plan = Plan(number=number, **values)
        plan.full_clean(validate_unique=False, validate_constraints=False)
        plan.save()
        _audit(writer, "plan.created", plan, None, plan_state(plan))
        return plan, WriteCounts(created=1)
    before = plan_state(plan)
    if all(getattr(plan, name) == value for name, value in values.items()):
        return plan, WriteCounts()
    for name, value in values.items():
        setattr(plan, name, value)
    plan.full_clean(validate_unique=False, validate_constraints=False)
    plan.save(update_fields=list(values))
    _audit(writer, "plan.updated", plan, before, plan_state(plan))
    figures.refresh_plan(plan.pk)
    return plan, WriteCounts(updated=1)


@transaction.atomic
def save_kpi(
    *,
    plan: Plan,
    code: str,
    values: Mapping[str, Any],
    current: Kpi | None = None,
    expected_version: int | None = None,
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
) -> tuple[Kpi, WriteCounts]:
    """Create or change the KPI `code` of the plan (its definition); returns it and whether anything changed.

    `current` is the KPI as the caller loaded it (None: look it up); `expected_version` the version the user saw.
    """
    writer = Writer(actor, actor_label, reason)
    kpi, counts = _save_kpi(
        writer, plan=plan, code=code, values=values, current=current, expected_version=expected_version
    )
    if counts.created or counts.updated:
        figures.refresh([kpi])
    return kpi, counts


def _save_kpi(
    writer: Writer,
    *,
    plan: Plan,
    code: str,
    values: Mapping[str, Any],
    current: Kpi | None,
    expected_version: int | None,
) -> tuple[Kpi, WriteCounts]:
    if current is None:
        current = Kpi.objects.filter(plan=plan, code=code).select_related("owner", "parent").first()
    if current is None:
        if expected_version:
            raise ConflictError()
        kpi = Kpi(plan=plan, code=code, **values)
        _check_definition_writer(writer, kpi.kind, kpi.owner)
        _validate_kpi(kpi)
        try:
            with transaction.atomic():
                kpi.save()
        except IntegrityError as error:
            raise ConflictError() from error
        _audit(writer, "kpi.created", kpi, None, kpi_state(kpi))
        return kpi, WriteCounts(created=1)
    _check_definition_writer(writer, current.kind, current.owner)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError()
    if all(getattr(current, name) == value for name, value in values.items()):
        return current, WriteCounts()
    before = kpi_state(current)
    for name, value in values.items():
        setattr(current, name, value)
    _check_definition_writer(writer, current.kind, current.owner)
    _validate_kpi(current)
    columns = {name: getattr(current, name) for name in values}
    updated = Kpi.objects.filter(pk=current.pk, version=current.version).update(**columns, version=F("version") + 1)
    if updated != 1:
        raise ConflictError()
    current.version += 1
    _audit(writer, "kpi.updated", current, before, kpi_state(current))
    return current, WriteCounts(updated=1)


MAX_KPI_NAME = 1000
MAX_KPI_DESCRIPTION = 10000


def _validate_kpi(kpi: Kpi) -> None:
    """The definition's own invariants (a subset's unit, a baseline where one is needed) and its texts' limits."""
    if len(kpi.name) > MAX_KPI_NAME:
        raise ValidationError({"name": f"指標名は{MAX_KPI_NAME:,}文字以内で入力してください。"})
    if len(kpi.description) > MAX_KPI_DESCRIPTION:
        raise ValidationError({"description": f"定義・補足は{MAX_KPI_DESCRIPTION:,}文字以内で入力してください。"})
    kpi.clean()


# --- targets ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetValue:
    """A target to write: `value` None removes it; `note` None keeps the stored note."""

    kpi: Kpi
    start_year: int
    end_year: int
    value: Decimal | None
    note: str | None = None
    from_plan_file: bool = False
    expected_version: int | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.kpi.pk, self.start_year, self.end_year)


@transaction.atomic
def save_target(
    *,
    kpi: Kpi,
    start_year: int,
    end_year: int,
    value: Decimal | None,
    note: str | None = None,
    expected_version: int | None,
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
    from_plan_file: bool = False,
) -> Target | None:
    """Create, change or (value None) remove the target of one period; None when there is none left."""
    row = TargetValue(kpi, start_year, end_year, value, note, from_plan_file, expected_version)
    result = _save_targets([row], Writer(actor, actor_label, reason), current=None, single=True)
    figures.refresh([kpi])
    return result.rows[0]


@transaction.atomic
def save_targets(
    *,
    rows: Sequence[TargetValue],
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
    current: Mapping[tuple[int, int, int], Target] | None = None,
) -> WriteResult[Target]:
    """The bulk variant of `save_target` (register imports, the plan loader, demo data)."""
    result = _save_targets(rows, Writer(actor, actor_label, reason), current=current, single=False)
    figures.refresh(r.kpi for r in rows)
    return result


def _save_targets(
    rows: Sequence[TargetValue],
    writer: Writer,
    *,
    current: Mapping[tuple[int, int, int], Target] | None,
    single: bool,
) -> WriteResult[Target]:
    _check_data_writers(writer, (r.kpi for r in rows))
    stored = current if current is not None else _stored_targets(rows)
    steps = []
    for row in rows:
        existing = stored.get(row.key)
        _check_version(existing, row.expected_version)
        values: dict[str, Any] | None = None
        if row.value is not None:
            note = row.note if row.note is not None else (existing.note if existing is not None else "")
            values = {"value": row.value, "note": note, "from_plan_file": row.from_plan_file}
        lookup = {"start_year": row.start_year, "end_year": row.end_year}
        steps.append(_Step(row.kpi, lookup, existing, values))
    return _write(Target, steps, ["value", "note", "from_plan_file"], "kpi.target", writer, single=single)


def _stored_targets(rows: Sequence[TargetValue]) -> dict[tuple[int, int, int], Target]:
    found = Target.objects.select_for_update().filter(
        kpi_id__in={r.kpi.pk for r in rows},
        start_year__in={r.start_year for r in rows},
        end_year__in={r.end_year for r in rows},
    )
    return {(t.kpi_id, t.start_year, t.end_year): t for t in found}


# --- actuals ---------------------------------------------------------------------------------------------

ActualKey = tuple[int, int, int, str]


@dataclass(frozen=True)
class ActualValue:
    """An actual to write; no figure (neither a value nor numerator and denominator) removes it."""

    kpi: Kpi
    start_year: int
    end_year: int
    half: str = HalfChoice.FULL
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    source: str = ActualSource.ENTERED
    source_note: str = ""
    expected_version: int | None = None

    @property
    def key(self) -> ActualKey:
        return (self.kpi.pk, self.start_year, self.end_year, self.half)

    @property
    def has_figure(self) -> bool:
        return self.value is not None or (self.numerator is not None and self.denominator is not None)

    @property
    def figure(self) -> Decimal | None:
        return actual_figure(self.value, self.numerator, self.denominator)


ACTUAL_FIELDS = ["value", "numerator", "denominator", "source", "source_note"]


@transaction.atomic
def save_actual(
    *,
    kpi: Kpi,
    start_year: int,
    end_year: int,
    half: str = HalfChoice.FULL,
    value: Decimal | None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    expected_version: int | None,
    actor: Actor,
    actor_label: str = "",
    source: str = ActualSource.ENTERED,
    source_note: str = "",
    reason: str = "",
) -> Actual | None:
    """Create, update or (when no figure is given) delete the actual of one period.

    `expected_version` is the version the user saw (0: there was none); a mismatch raises ConflictError.
    A lock or a figure counted from cases raises ValidationError with the Japanese reason.
    Returns the saved actual, or None when it was deleted or there was nothing to delete.
    """
    row = ActualValue(
        kpi, start_year, end_year, half, value, numerator, denominator, source, source_note, expected_version
    )
    try:
        result = _save_actuals([row], Writer(actor, actor_label, reason), current=None, subsets=True, single=True)
    except RowsRefused as refused:
        raise ValidationError(refused.problems[0][1]) from refused
    figures.refresh([kpi])
    return result.rows[0]


@transaction.atomic
def save_actuals(
    *,
    rows: Sequence[ActualValue],
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
    current: Mapping[ActualKey, Actual] | None = None,
    check_subsets_now: bool = True,
) -> WriteResult[Actual]:
    """The bulk variant of `save_actual` (imports, the plan loader, demo data).

    `current` maps (kpi id, start, end, half) to the stored actuals the caller already loaded (None: they are
    loaded here in one query, locked). Rows read earlier without a lock (an import's check) are safe to pass:
    the rows changed are locked and their versions compared again in one query before the bulk UPDATE, and a
    row created meanwhile breaks the unique constraint; either is a ConflictError. A writer that writes in
    chunks (the importer) passes `check_subsets_now=False` and calls `check_subsets` once every chunk is
    written, since a parent and its subset may sit in different chunks; the transaction still holds them all.
    """
    writer = Writer(actor, actor_label, reason)
    result = _save_actuals(rows, writer, current=current, subsets=check_subsets_now, single=False)
    figures.refresh(r.kpi for r in rows)
    return result


def _save_actuals(
    rows: Sequence[ActualValue],
    writer: Writer,
    *,
    current: Mapping[ActualKey, Actual] | None,
    subsets: bool,
    single: bool,
) -> WriteResult[Actual]:
    # A figure counted from cases is the computation's (chizai.cases.counting), run after a case write whose own
    # permission was checked: whoever moved the case is recorded, not asked to edit the KPI's owner.
    _check_data_writers(writer, (r.kpi for r in rows if r.source not in COUNTED_SOURCES))
    stored = current if current is not None else _stored_actuals(rows)
    problems = _refusals(rows, stored)
    if problems:
        raise RowsRefused(problems)
    steps = []
    for row in rows:
        existing = stored.get(row.key)
        _check_version(existing, row.expected_version)
        values = {name: getattr(row, name) for name in ACTUAL_FIELDS} if row.has_figure else None
        lookup = {"start_year": row.start_year, "end_year": row.end_year, "half": row.half}
        steps.append(_Step(row.kpi, lookup, existing, values))
    result = _write(Actual, steps, ACTUAL_FIELDS, "kpi.actual", writer, single=single)
    if subsets:
        check_subsets(rows=[r for r in rows if r.has_figure])
    return result


def _stored_actuals(rows: Sequence[ActualValue]) -> dict[ActualKey, Actual]:
    found = Actual.objects.select_for_update().filter(
        kpi_id__in={r.kpi.pk for r in rows},
        start_year__in={r.start_year for r in rows},
        end_year__in={r.end_year for r in rows},
    )
    return {(a.kpi_id, a.start_year, a.end_year, a.half): a for a in found}


def _refusals(rows: Sequence[ActualValue], stored: Mapping[ActualKey, Actual]) -> list[tuple[int, str]]:
    """Rows that would write over a lock or a figure counted from cases, with the reason (none written yet)."""
    problems: dict[int, str] = {}
    for index, row in enumerate(rows):
        existing = stored.get(row.key)
        counted = existing is not None and existing.source in COUNTED_SOURCES
        if counted and row.source not in COUNTED_SOURCES:
            problems[index] = counted_message(existing)
    reasons = lock_reasons([(r.kpi, r.start_year, r.end_year, r.half) for r in rows])
    for index, reason in enumerate(reasons):
        if reason is not None and index not in problems and _would_change(rows[index], stored):
            problems[index] = reason
    return sorted(problems.items())


def actual_refusals(*, rows: Sequence[ActualValue], current: Mapping[ActualKey, Actual]) -> list[tuple[int, str]]:
    """The rows `save_actuals` would refuse (a lock, a figure counted from cases), read-only: for an import's check.

    `current` maps the rows' keys to the stored actuals (absent: none stored).
    """
    return _refusals(rows, current)


def actual_refusal(actual: Actual) -> str | None:
    """Why a user may not change or remove this actual now (a lock, a figure counted from cases), or None."""
    if actual.source in COUNTED_SOURCES:
        return counted_message(actual)
    return lock_reason(actual.kpi, start_year=actual.start_year, end_year=actual.end_year, half=actual.half)


def counted_refusal(kpi: Kpi, refused: str) -> str:
    """Why a counted KPI's figure cannot be typed in through some channel (`refused`, e.g. 「取り込めません」):
    it is counted from the hands-on support cases, or from the survey answers."""
    return _counted(SURVEY_SOURCE if counts_survey_answers(kpi.counting_rule) else CASES_SOURCE, refused)


def counted_message(actual: Actual | None) -> str:
    """Why a counted figure is not typed in: it comes from the cases, or from the survey answers."""
    return SURVEY_MESSAGE if actual is not None and actual.source == ActualSource.SURVEY else COMPUTED_MESSAGE


def _would_change(row: ActualValue, stored: Mapping[ActualKey, Actual]) -> bool:
    existing = stored.get(row.key)
    if existing is None:
        return row.has_figure
    if not row.has_figure:
        return True
    return any(getattr(existing, name) != getattr(row, name) for name in ("value", "numerator", "denominator"))


# --- subsets (内数) ----------------------------------------------------------------------------------------


def check_subsets(*, rows: Sequence[ActualValue]) -> None:
    """Every written row of a KPI in a subset pair against the stored figures; raises RowsRefused."""
    single = {r.kpi.pk for r in rows if not r.kpi.parent_id}
    parents = set(Kpi.objects.filter(parent_id__in=single).values_list("parent_id", flat=True)) if single else set()
    problems = []
    for index, row in enumerate(rows):
        if not (row.kpi.parent_id or row.kpi.pk in parents):
            continue
        try:
            check_subset(row.kpi, start_year=row.start_year, end_year=row.end_year, half=row.half, figure=row.figure)
        except ValidationError as error:
            problems.append((index, " ".join(error.messages)))
    if problems:
        raise RowsRefused(problems)


def check_subset(
    kpi: Kpi,
    *,
    start_year: int,
    end_year: int,
    half: str,
    figure: Decimal | None,
    pending: Mapping[ActualKey, Actual] | None = None,
) -> None:
    """A subset KPI (内数) never exceeds its parent for the same period and half.

    `pending` holds figures about to be written (unsaved actuals with their `kpi`), checked as if stored: an
    import checks its rows this way before it writes anything.
    """
    if figure is None:
        return
    pending = pending or {}
    period = {"start_year": start_year, "end_year": end_year, "half": half}
    if kpi.parent_id:
        parent_actual = pending.get((kpi.parent_id, start_year, end_year, half)) or (
            Actual.objects.filter(kpi_id=kpi.parent_id, **period).select_related("kpi").first()
        )
        if parent_actual and parent_actual.figure is not None and figure > parent_actual.figure:
            raise ValidationError(
                f"この指標は「{parent_actual.kpi.short_name}」の内数です。実績（{format_quantity(figure, kpi.unit)}）が"
                f"元の指標の実績（{format_quantity(parent_actual.figure, kpi.unit)}）を超えています。"
            )
    children = {a.kpi_id: a for a in Actual.objects.filter(kpi__parent=kpi, **period).select_related("kpi")}
    for key, actual in pending.items():
        if actual.kpi.parent_id == kpi.pk and key[1:] == (start_year, end_year, half):
            children[key[0]] = actual
    for child in children.values():
        if child.figure is not None and child.figure > figure:
            raise ValidationError(
                f"「{child.kpi.short_name}」（内数）の実績が{format_quantity(child.figure, kpi.unit)}あります。"
                f"この指標の実績（{format_quantity(figure, kpi.unit)}）はそれを下回れません。"
            )
    if start_year == end_year:
        candidate = Actual(kpi=kpi, value=figure)
        _check_subset_year(kpi, year=start_year, half=half, candidate=candidate, pending=pending)


def _year_with(
    kpi: Kpi, year: int, replaced: tuple[str, Actual] | None = None, pending: Mapping[ActualKey, Actual] | None = None
) -> YearFigure:
    index = {
        (a.start_year, a.end_year, a.half): a for a in Actual.objects.filter(kpi=kpi, start_year=year, end_year=year)
    }
    for (kpi_id, start, end, half), actual in (pending or {}).items():
        if kpi_id == kpi.pk and start == end == year:
            index[(start, end, half)] = actual
    if replaced is not None:
        index[(year, year, replaced[0])] = replaced[1]
    return year_figure(kpi, year, index)


def _check_subset_year(
    kpi: Kpi, *, year: int, half: str, candidate: Actual, pending: Mapping[ActualKey, Actual] | None = None
) -> None:
    """The same rule for the whole year, where one side is entered by halves and the other as 通期."""
    pairs = [(kpi, kpi.parent)] if kpi.parent is not None else []
    pairs += [(child, kpi) for child in kpi.subsets.all()]
    for child, parent in pairs:
        child_year = _year_with(child, year, (half, candidate) if child.pk == kpi.pk else None, pending)
        parent_year = _year_with(parent, year, (half, candidate) if parent.pk == kpi.pk else None, pending)
        if not (child_year.complete and parent_year.complete):
            continue
        if child_year.value is not None and parent_year.value is not None and child_year.value > parent_year.value:
            raise ValidationError(
                f"{kpi.label_period(year, year)}の年間実績で、内数の「{child.short_name}」"
                f"（{format_quantity(child_year.value, kpi.unit)}）が「{parent.short_name}」"
                f"（{format_quantity(parent_year.value, kpi.unit)}）を超えてしまいます。"
            )


# --- written evaluations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationText:
    """A written evaluation to write; an empty text removes it."""

    kpi: Kpi
    start_year: int
    end_year: int
    half: str = HalfChoice.FULL
    text: str = ""
    from_plan_file: bool = False
    expected_version: int | None = None

    @property
    def key(self) -> ActualKey:
        return (self.kpi.pk, self.start_year, self.end_year, self.half)


MAX_EVALUATION_TEXT = 4000
EVALUATION_TOO_LONG = f"評価は{MAX_EVALUATION_TEXT:,}文字以内で入力してください。"


@transaction.atomic
def save_evaluation(
    *,
    kpi: Kpi,
    start_year: int,
    end_year: int,
    half: str = HalfChoice.FULL,
    text: str,
    expected_version: int | None,
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
    from_plan_file: bool = False,
) -> Evaluation | None:
    """Create, update or (when the text is empty) delete the written evaluation of one period."""
    row = EvaluationText(kpi, start_year, end_year, half, text, from_plan_file, expected_version)
    result = _save_evaluations([row], Writer(actor, actor_label, reason), current=None, single=True)
    return result.rows[0]


@transaction.atomic
def save_evaluations(
    *,
    rows: Sequence[EvaluationText],
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
    current: Mapping[ActualKey, Evaluation] | None = None,
) -> WriteResult[Evaluation]:
    """The bulk variant of `save_evaluation` (imports, the plan loader, demo data)."""
    return _save_evaluations(rows, Writer(actor, actor_label, reason), current=current, single=False)


def _save_evaluations(
    rows: Sequence[EvaluationText],
    writer: Writer,
    *,
    current: Mapping[ActualKey, Evaluation] | None,
    single: bool,
) -> WriteResult[Evaluation]:
    _check_data_writers(writer, (r.kpi for r in rows))
    too_long = [(i, EVALUATION_TOO_LONG) for i, r in enumerate(rows) if len(r.text.strip()) > MAX_EVALUATION_TEXT]
    if too_long:
        raise RowsRefused(too_long)
    if current is None:
        found = Evaluation.objects.select_for_update().filter(
            kpi_id__in={r.kpi.pk for r in rows}, start_year__in={r.start_year for r in rows}
        )
        current = {(e.kpi_id, e.start_year, e.end_year, e.half): e for e in found}
    steps = []
    for row in rows:
        existing = current.get(row.key)
        _check_version(existing, row.expected_version)
        text = row.text.strip()
        values = {"text": text, "from_plan_file": row.from_plan_file} if text else None
        lookup = {"start_year": row.start_year, "end_year": row.end_year, "half": row.half}
        steps.append(_Step(row.kpi, lookup, existing, values))
    return _write(Evaluation, steps, ["text", "from_plan_file"], "kpi.evaluation", writer, single=single)


# --- demo data -------------------------------------------------------------------------------------------


@transaction.atomic
def mark_demo_loaded(*, description: str) -> bool:
    """Mark that synthetic demo data was loaded (every page then says so); False when it already was."""
    if DemoDataset.objects.filter(description=description).exists():
        return False
    DemoDataset.objects.create(description=description)
    return True


# --- removing rows ---------------------------------------------------------------------------------------


@transaction.atomic
def delete_rows(
    *, rows: Sequence[Target | Actual | Evaluation], actor: Actor, actor_label: str = "", reason: str = ""
) -> int:
    """Remove targets, actuals or evaluations (the admin's delete, stale demo figures), each audited.

    An actual locked by an accepted self-evaluation, or counted from cases, is refused like any other write.
    """
    writer = Writer(actor, actor_label, reason)
    actuals = [r for r in rows if isinstance(r, Actual)]
    if actuals:
        values = [ActualValue(a.kpi, a.start_year, a.end_year, a.half, expected_version=a.version) for a in actuals]
        _save_actuals(values, writer, current=None, subsets=False, single=False)
    targets = [r for r in rows if isinstance(r, Target)]
    evaluations = [r for r in rows if isinstance(r, Evaluation)]
    _check_data_writers(writer, [*(t.kpi for t in targets), *(e.kpi for e in evaluations)])
    _write(Target, [_Step(t.kpi, {}, t, None) for t in targets], [], "kpi.target", writer, single=False)
    _write(Evaluation, [_Step(e.kpi, {}, e, None) for e in evaluations], [], "kpi.evaluation", writer, single=False)
    figures.refresh([*(a.kpi_id for a in actuals), *(t.kpi_id for t in targets)])
    return len(rows)


# --- the write engine ------------------------------------------------------------------------------------


@dataclass
class _Step:
    """One row to write: `values` None removes the stored row (if any)."""

    kpi: Kpi
    lookup: dict[str, Any]
    existing: Any
    values: dict[str, Any] | None
    row: Any = None  # the row given to the writer (`prepare_actuals`: what the figures are computed ahead with)


@dataclass
class WriteResult[T: models.Model](WriteCounts):
    """The rows as stored after a write, one per row given (None: removed or nothing there)."""

    rows: list[T | None] = field(default_factory=list)


def _check_version(existing: Target | Actual | Evaluation | None, expected_version: int | None) -> None:
    if expected_version is None:
        return
    current = existing.version if existing is not None else 0
    if current != expected_version:
        raise ConflictError()


def _write[M: (Target, Actual, Evaluation)](
    model: type[M], steps: list[_Step], fields: list[str], code: str, writer: Writer, *, single: bool
) -> WriteResult[M]:
    """Create, change and remove the rows of `steps` with a handful of queries, auditing each changed row."""
    result: WriteResult[M] = WriteResult(rows=[None] * len(steps))
    created: list[M] = []
    updated: list[tuple[M, dict[str, Any]]] = []
    deleted: list[M] = []
    for index, step in enumerate(steps):
        existing = step.existing
        if existing is not None:
            existing.kpi = step.kpi
        if step.values is None:
            if existing is not None:
                deleted.append(existing)
            continue
        if existing is None:
            obj = model(kpi=step.kpi, **step.lookup, **step.values)
            created.append(obj)
            result.rows[index] = obj
            continue
        result.rows[index] = existing
        if all(getattr(existing, name) == value for name, value in step.values.items()):
            continue
        before = existing.snapshot()
        for name, value in step.values.items():
            setattr(existing, name, value)
        updated.append((existing, before))
    _create(model, created)
    if single and len(updated) == 1:
        _update_one(model, updated[0][0], fields)
    else:
        _update_many(model, [obj for obj, _ in updated], fields)
    if deleted:
        model.objects.filter(pk__in=[obj.pk for obj in deleted]).delete()
    entries = [
        *(_entry(writer, f"{code}.created", obj, None, obj.snapshot()) for obj in created),
        *(_entry(writer, f"{code}.updated", obj, before, obj.snapshot()) for obj, before in updated),
        *(_entry(writer, f"{code}.deleted", obj, obj.snapshot(), None) for obj in deleted),
    ]
    save_entries(entries)
    result.created, result.updated, result.deleted = len(created), len(updated), len(deleted)
    return result


def _create[M: (Target, Actual, Evaluation)](model: type[M], objs: list[M]) -> None:
    if not objs:
        return
    try:
        with transaction.atomic():
            if len(objs) == 1:
                objs[0].save(force_insert=True)
            else:
                insert_rows(model, objs)
    except IntegrityError as error:
        raise ConflictError() from error  # the same period was created meanwhile


def _has_updated_at[M: (Target, Actual, Evaluation)](model: type[M]) -> bool:
    return any(f.name == "updated_at" for f in model._meta.concrete_fields)


def _update_one[M: (Target, Actual, Evaluation)](model: type[M], obj: M, fields: list[str]) -> None:
    # The version check in the UPDATE itself guards databases where SELECT … FOR UPDATE does not lock.
    columns: dict[str, Any] = {name: getattr(obj, name) for name in fields}
    if _has_updated_at(model):
        columns["updated_at"] = timezone.now()
        setattr(obj, "updated_at", columns["updated_at"])  # noqa: B010 (only actuals and evaluations have it)
    updated = model.objects.filter(pk=obj.pk, version=obj.version).update(**columns, version=obj.version + 1)
    if updated != 1:
        raise ConflictError()
    obj.version += 1


def _update_many[M: (Target, Actual, Evaluation)](model: type[M], objs: list[M], fields: list[str]) -> None:
    """One bulk UPDATE after one query proves no row moved on since it was read (and locks them)."""
    if not objs:
        return
    stored = dict(model.objects.select_for_update().filter(pk__in=[o.pk for o in objs]).values_list("pk", "version"))
    if any(stored.get(o.pk) != o.version for o in objs):
        raise ConflictError()
    now = timezone.now()
    columns = [*fields, "version"]
    if _has_updated_at(model):
        columns.append("updated_at")
    for obj in objs:
        obj.version += 1
        if hasattr(obj, "updated_at"):
            obj.updated_at = now
    model.objects.bulk_update(objs, columns)


# --- writes worked out before their transaction (imports) -----------------------------------------------
# `save_actuals` and `save_evaluations` build each row and its audit entry inside their transaction: fine for a
# page's save, too slow for an import of 100,000 rows, during which every other user's save would wait.
# `prepare_actuals` and `prepare_evaluations` do the same checks and build the same rows and entries without
# writing anything; `write_prepared` then only checks again what may have changed meanwhile (the stored rows'
# versions, one query per chunk; the locks), inserts, updates, chains the entries and refreshes the figures.


class _Pending:
    """A row inserted by `write_prepared`: its id once known (an audit entry's object id)."""

    __slots__ = ("pk",)

    def __init__(self) -> None:
        self.pk: int | None = None


@dataclass
class Prepared[M: (Actual, Evaluation)]:
    """One row type's changes, worked out before the write's transaction."""

    model: type[M]
    fields: list[str]
    inserter: Inserter[M]
    new_rows: list[list[Any]] = field(default_factory=list)  # adapted values, as `Inserter.run` takes them
    new_keys: list[_Pending] = field(default_factory=list)
    updated: list[M] = field(default_factory=list)  # the stored rows with their new values, version as read
    deleted: list[M] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    lock_rows: list[tuple[int, ActualValue]] = field(default_factory=list)  # (index, row) to check again: locks
    figures: figures.Ahead | None = None  # the figures of the KPIs whose actuals change, computed ahead
    counts: WriteCounts = field(default_factory=WriteCounts)


def prepare_actuals(
    *,
    rows: Sequence[ActualValue],
    current: Mapping[ActualKey, Actual],
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
) -> Prepared[Actual]:
    """`save_actuals` up to the write, outside any transaction; `current` is the stored actuals as read (absent:
    none). Raises what `save_actuals` would (RowsRefused, ConflictError, PermissionDenied); writes nothing."""
    writer = Writer(actor, actor_label, reason)
    _check_data_writers(writer, (r.kpi for r in rows if r.source != ActualSource.COMPUTED))
    problems = [
        (start + index, message)
        for start in range(0, len(rows), CHECK_ROWS)
        for index, message in _refusals(rows[start : start + CHECK_ROWS], current)
    ]
    if problems:
        raise RowsRefused(problems)
    prepared = Prepared(Actual, ACTUAL_FIELDS, Inserter(Actual))
    changes = _prepare(prepared, _actual_steps(rows, current), "kpi.actual", writer)
    prepared.lock_rows = [(i, r) for i, r in enumerate(rows) if _would_change(r, current)]
    prepared.figures = figures.compute_ahead(changes, changes, Inserter(KpiFigure))
    return prepared


def prepare_evaluations(
    *,
    rows: Sequence[EvaluationText],
    current: Mapping[ActualKey, Evaluation],
    actor: Actor,
    actor_label: str = "",
    reason: str = "",
) -> Prepared[Evaluation]:
    """`save_evaluations` up to the write, outside any transaction (see `prepare_actuals`)."""
    writer = Writer(actor, actor_label, reason)
    _check_data_writers(writer, (r.kpi for r in rows))
    too_long = [(i, EVALUATION_TOO_LONG) for i, r in enumerate(rows) if len(r.text.strip()) > MAX_EVALUATION_TEXT]
    if too_long:
        raise RowsRefused(too_long)
    prepared = Prepared(Evaluation, ["text", "from_plan_file"], Inserter(Evaluation))
    _prepare(prepared, _evaluation_steps(rows, current), "kpi.evaluation", writer)
    return prepared


# The steps of a prepared write are made one at a time as `_prepare` takes them (an import's 100,000 would
# otherwise all be held at once, beside the rows and entries made from them); a version that does not match
# raises ConflictError there, before anything is written.


def _actual_steps(rows: Sequence[ActualValue], current: Mapping[ActualKey, Actual]) -> Iterator[_Step]:
    for row in rows:
        existing = current.get(row.key)
        _check_version(existing, row.expected_version)
        values = {name: getattr(row, name) for name in ACTUAL_FIELDS} if row.has_figure else None
        lookup = {"start_year": row.start_year, "end_year": row.end_year, "half": row.half}
        yield _Step(row.kpi, lookup, existing, values, row)


def _evaluation_steps(rows: Sequence[EvaluationText], current: Mapping[ActualKey, Evaluation]) -> Iterator[_Step]:
    for row in rows:
        existing = current.get(row.key)
        _check_version(existing, row.expected_version)
        text = row.text.strip()
        values = {"text": text, "from_plan_file": row.from_plan_file} if text else None
        lookup = {"start_year": row.start_year, "end_year": row.end_year, "half": row.half}
        yield _Step(row.kpi, lookup, existing, values)


def _prepare[M: (Actual, Evaluation)](
    prepared: Prepared[M], steps: Iterable[_Step], code: str, writer: Writer
) -> dict[int, dict[tuple[int, int, str], Any]]:
    """The rows to insert (adapted), update and delete, and an audit entry for each, as `_write` would write them.

    Returns the changes by KPI and period (None: removed; else the new row, as the step's row or the updated
    object: anything with the period, `value`, `numerator`, `denominator` and `figure`), from which the figures are
    computed ahead. A created row is laid out from its values alone: no model instance for each of many rows.
    """
    model, inserter = prepared.model, prepared.inserter
    drafter = Drafter(writer.actor, entry_inserter(), reason=writer.reason, actor_label=writer.label)
    object_type, snapshot = model._meta.label_lower, model.SNAPSHOT_FIELDS
    changes: dict[int, dict[tuple[int, int, str], Any]] = {}
    created: list[Draft | None] = []
    updated: list[Draft | None] = []
    deleted: list[Draft | None] = []
    for step in steps:
        existing, kpi = step.existing, step.kpi
        if existing is not None:
            existing.kpi = kpi
        lookup = step.lookup
        period = (lookup["start_year"], lookup["end_year"], lookup["half"])
        if step.values is None:
            if existing is not None:
                prepared.deleted.append(existing)
                entry = draft_row(
                    drafter,
                    f"{code}.deleted",
                    object_type,
                    str(existing.pk),
                    str(existing),
                    existing.snapshot(),
                    None,
                    kpi_id=kpi.pk,
                    plan_id=kpi.plan_id,
                )
                deleted.append(entry)
                changes.setdefault(kpi.pk, {})[period] = None
            continue
        if existing is None:
            values = {"kpi_id": kpi.pk, **lookup, **step.values}
            pending = _Pending()
            prepared.new_rows.append(inserter.new_row(values))
            prepared.new_keys.append(pending)
            entry = draft_row(
                drafter,
                f"{code}.created",
                object_type,
                "",
                model.describe(kpi, *period),
                None,
                {name: values[name] for name in snapshot},
                kpi_id=kpi.pk,
                plan_id=kpi.plan_id,
                source=pending,
            )
            created.append(entry)
            if step.row is not None:
                changes.setdefault(kpi.pk, {})[period] = step.row
            continue
        if all(getattr(existing, name) == value for name, value in step.values.items()):
            continue
        before = existing.snapshot()
        for name, value in step.values.items():
            setattr(existing, name, value)
        prepared.updated.append(existing)
        entry = draft_row(
            drafter,
            f"{code}.updated",
            object_type,
            str(existing.pk),
            str(existing),
            before,
            existing.snapshot(),
            kpi_id=kpi.pk,
            plan_id=kpi.plan_id,
        )
        updated.append(entry)
        changes.setdefault(kpi.pk, {})[period] = existing
    prepared.drafts = [d for d in (*created, *updated, *deleted) if d is not None]
    prepared.counts = WriteCounts(len(prepared.new_rows), len(prepared.updated), len(prepared.deleted))
    return changes


CHECK_ROWS = 5000
"""Stored rows whose versions one query compares (and locks) inside `write_prepared`."""


@transaction.atomic
def write_prepared(*, parts: Sequence[Prepared[Any]]) -> WriteCounts:
    """Write what `prepare_actuals` / `prepare_evaluations` worked out, in one short transaction.

    Raises ConflictError, and writes nothing, when a stored row changed or a row appeared since it was read;
    RowsRefused (indices into the rows given to `prepare_actuals`) when a figure was locked meanwhile. The
    audit entries are chained in the order of `parts`; the figures of the KPIs touched are refreshed.
    """
    counts = WriteCounts()
    now = timezone.now()
    ahead = [part.figures for part in parts if part.figures is not None]
    moved = {pk for figures_ahead in ahead for pk in figures.changed_since(figures_ahead)}  # before writing
    for part in parts:
        _recheck_locks(part)
        for objs in (part.updated, part.deleted):
            for start in range(0, len(objs), CHECK_ROWS):
                _check_versions(part.model, objs[start : start + CHECK_ROWS])
        _insert_prepared(part, now)
        _update_prepared(part, now)
        for start in range(0, len(part.deleted), CHECK_ROWS):
            part.model.objects.filter(pk__in=[o.pk for o in part.deleted[start : start + CHECK_ROWS]]).delete()
        counts.add(part.counts)
    save_drafts([d for part in parts for d in part.drafts], entry_inserter())
    stored = Inserter(KpiFigure)
    for figures_ahead in ahead:
        figures.store_ahead(figures_ahead, skip=moved, inserter=stored)
    figures.refresh(moved)  # KPIs someone else wrote to since their figures were computed: computed again here
    return counts


def _recheck_locks(part: Prepared[Any]) -> None:
    """A figure locked since the check (an accepted self-evaluation) is refused like any other write to it."""
    problems = []
    for start in range(0, len(part.lock_rows), CHECK_ROWS):
        chunk = part.lock_rows[start : start + CHECK_ROWS]
        reasons = lock_reasons([(r.kpi, r.start_year, r.end_year, r.half) for _, r in chunk])
        problems += [(index, reason) for (index, _), reason in zip(chunk, reasons, strict=True) if reason is not None]
    if problems:
        raise RowsRefused(problems)


def _check_versions[M: (Actual, Evaluation)](model: type[M], objs: list[M]) -> None:
    if not objs:
        return
    stored = dict(model.objects.select_for_update().filter(pk__in=[o.pk for o in objs]).values_list("pk", "version"))
    if any(stored.get(o.pk) != o.version for o in objs):
        raise ConflictError()


def _insert_prepared[M: (Actual, Evaluation)](part: Prepared[M], now: Any) -> None:
    if not part.new_rows:
        return
    stamp_slot, stamp = part.inserter.index("updated_at"), part.inserter.adapt("updated_at", now)
    for values in part.new_rows:
        values[stamp_slot] = stamp
    try:
        with transaction.atomic():
            keys = part.inserter.run(part.new_rows)
    except IntegrityError as error:
        raise ConflictError() from error  # the same period was created meanwhile
    for pending, pk in zip(part.new_keys, keys, strict=True):
        pending.pk = pk


def _update_prepared[M: (Actual, Evaluation)](part: Prepared[M], now: Any) -> None:
    for obj in part.updated:
        obj.version += 1
        obj.updated_at = now
    columns = [*part.fields, "version", "updated_at"]
    for start in range(0, len(part.updated), CHECK_ROWS):
        part.model.objects.bulk_update(part.updated[start : start + CHECK_ROWS], columns)


# --- KPI revisions and notices ---------------------------------------------------------------------------


def _check_effective_year(kpi: Kpi, effective_year: int) -> None:
    if effective_year not in kpi.plan.fiscal_years:
        raise ValidationError(
            {"effective_year": f"適用開始年度は計画期間（{kpi.plan.period_label}）の年度から選んでください。"}
        )


def _single_year_targets(kpi: Kpi) -> dict[int, Target]:
    return {t.start_year: t for t in Target.objects.filter(kpi=kpi, end_year=F("start_year"))}


def _target_changes(
    kpi: Kpi, effective_year: int, new_targets: Mapping[int, Decimal | None]
) -> dict[str, list[str | None]]:
    current = _single_year_targets(kpi)
    changes: dict[str, list[str | None]] = {}
    for year, value in sorted(new_targets.items()):
        if year < effective_year:
            raise ValidationError(f"適用開始年度より前（{kpi.label_period(year, year)}）の目標は変更できません。")
        old = plain_number(current[year].value) if year in current else None
        if plain_number(value) != old:
            changes[str(year)] = [old, plain_number(value)]
    return changes


MAX_VISION_CHANGE = 4000


@transaction.atomic
def propose_revision(
    *,
    kpi: Kpi,
    effective_year: int,
    new_name: str,
    new_baseline_value: Decimal | None,
    new_targets: Mapping[int, Decimal | None],
    vision_change: str,
    actor: Actor,
) -> KpiRevision:
    """Record a proposed revision with the KPI's current wording, baseline and targets; the KPI is unchanged.

    `new_targets` maps years (≥ the effective year) to the new target (None: no target); an empty
    `new_name` or a None baseline means "unchanged".
    """
    if actor is None or not can_propose(actor, kpi):
        raise PermissionDenied("このKPIの見直しを提案する権限がありません。")
    _check_effective_year(kpi, effective_year)
    if not vision_change.strip():
        raise ValidationError({"vision_change": "見直しの理由（産業振興ビジョンの改定等）を入力してください。"})
    if len(vision_change.strip()) > MAX_VISION_CHANGE:
        raise ValidationError({"vision_change": f"見直しの理由は{MAX_VISION_CHANGE:,}文字以内で入力してください。"})
    new_name = new_name.strip() or kpi.name
    if len(new_name) > MAX_KPI_NAME:
        raise ValidationError({"new_name": f"指標名は{MAX_KPI_NAME:,}文字以内で入力してください。"})
    baseline = kpi.baseline_value if new_baseline_value is None else new_baseline_value
    changes = _target_changes(kpi, effective_year, new_targets)
    if new_name == kpi.name and plain_number(baseline) == plain_number(kpi.baseline_value) and not changes:
        raise ValidationError("変更点がありません。指標名・基準値・目標のいずれかを変更してください。")
    revision = KpiRevision.objects.create(
        kpi=kpi,
        effective_year=effective_year,
        old_name=kpi.name,
        new_name=new_name,
        old_baseline_value=kpi.baseline_value,
        new_baseline_value=baseline,
        target_changes=changes,
        vision_change=vision_change.strip(),
        proposed_by_id=actor.pk if actor.is_authenticated else None,
    )
    _audit(Writer(actor), "kpi.revision.proposed", revision, None, _revision_state(revision))
    return revision


@transaction.atomic
def report_revision(*, revision: KpiRevision, actor: Actor, meeting: Any = None) -> KpiRevision:
    """Mark a proposed revision as reported and apply it to the KPI from its effective year on.

    A regional KPI's revision is reported at a liaison meeting of the owner's block (`meeting`, a
    meetings.LiaisonMeeting); a central KPI's revision is announced to every body with a Notice.
    """
    revision = _locked_revision(revision)
    if actor is None or not may_report(actor, revision.kpi):
        raise PermissionDenied("この見直しを報告済みにする権限がありません。")
    if revision.status != RevisionStatus.PROPOSED:
        raise ValidationError("提案中の見直しだけを報告済みにできます。")
    _check_meeting(revision, meeting)
    before = _revision_state(revision)
    _apply_revision(revision, actor)
    revision.status = RevisionStatus.REPORTED
    revision.reported_at = timezone.now()
    revision.meeting = meeting
    revision.save(update_fields=["status", "reported_at", "meeting"])
    reason = f"{meeting}で報告" if meeting is not None else ""
    _audit(Writer(actor, reason=reason), "kpi.revision.reported", revision, before, _revision_state(revision))
    figures.refresh([revision.kpi_id])
    if revision.kpi.owner.is_central:
        publish_notice(revision=revision)
    return revision


@transaction.atomic
def withdraw_revision(*, revision: KpiRevision, actor: Actor) -> KpiRevision:
    """Withdraw a proposed revision (取下げ); the KPI stays as it is."""
    revision = _locked_revision(revision)
    if actor is None or not can_propose(actor, revision.kpi):
        raise PermissionDenied("この見直しを取り下げる権限がありません。")
    if revision.status != RevisionStatus.PROPOSED:
        raise ValidationError("提案中の見直しだけを取り下げられます。")
    before = _revision_state(revision)
    revision.status = RevisionStatus.WITHDRAWN
    revision.save(update_fields=["status"])
    _audit(Writer(actor), "kpi.revision.withdrawn", revision, before, _revision_state(revision))
    return revision


def _locked_revision(revision: KpiRevision) -> KpiRevision:
    return (
        KpiRevision.objects.select_for_update(of=("self",))
        .select_related("kpi", "kpi__plan", "kpi__owner", "kpi__owner__bureau", "kpi__parent")
        .get(pk=revision.pk)
    )


def _revision_state(revision: KpiRevision) -> dict[str, Any]:
    """The revision as the audit log keeps it: target changes as one readable line, not a nested dict."""
    data = revision.snapshot()
    data["target_changes"] = "、".join(target_change_lines(revision)) or None
    return data


def _check_meeting(revision: KpiRevision, meeting: Any) -> None:
    kpi = revision.kpi
    if meeting is None or kpi.owner.is_central:
        return
    if meeting.bureau_id != kpi.owner.bureau_id:
        block = kpi.owner.bureau.block_name if kpi.owner.bureau else ""
        raise ValidationError(f"この見直しは{block}ブロックの地域連絡会議で報告してください。")
    if meeting.plan_id != kpi.plan_id:
        raise ValidationError("報告する地域連絡会議の計画が、KPIの計画と異なります。")


def _revision_conflict(what: str) -> ValidationError:
    return ValidationError(f"提案の後に{what}が変更されています。この見直しを取り下げて、改めて提案してください。")


def _apply_revision(revision: KpiRevision, actor: Actor) -> None:
    kpi = revision.kpi
    reason = f"KPIの見直し（{wareki_fiscal_year(revision.effective_year)}から）: {revision.vision_change}"
    targets = {t.start_year: t for t in Target.objects.select_for_update().filter(kpi=kpi, end_year=F("start_year"))}
    rows = []
    for year_text, (old, new) in sorted(revision.target_changes.items()):
        year = int(year_text)
        target = targets.get(year)
        if plain_number(target.value if target else None) != old:
            raise _revision_conflict(f"{kpi.label_period(year, year)}の目標")
        # The value no longer comes from the plan file: it was revised.
        rows.append(TargetValue(kpi, year, year, None if new is None else Decimal(new)))
    if rows:
        current = {(kpi.pk, t.start_year, t.end_year): t for t in targets.values()}
        _save_targets(rows, Writer(actor, reason=reason, authorized=True), current=current, single=False)
    _apply_revised_definition(revision, actor, reason)


def _apply_revised_definition(revision: KpiRevision, actor: Actor, reason: str) -> None:
    kpi = Kpi.objects.select_for_update(of=("self",)).select_related("owner", "parent").get(pk=revision.kpi_id)
    values: dict[str, Any] = {}
    if revision.new_name != revision.old_name:
        if kpi.name != revision.old_name:
            raise _revision_conflict("指標名")
        values["name"] = revision.new_name
    if plain_number(revision.new_baseline_value) != plain_number(revision.old_baseline_value):
        if plain_number(kpi.baseline_value) != plain_number(revision.old_baseline_value):
            raise _revision_conflict("基準値")
        values["baseline_value"] = revision.new_baseline_value
    if values:
        writer = Writer(actor, reason=reason, authorized=True)
        revision.kpi, _ = _save_kpi(
            writer, plan=kpi.plan, code=kpi.code, values=values, current=kpi, expected_version=None
        )


@transaction.atomic
def publish_notice(*, revision: KpiRevision) -> Notice:
    """The notice every organisation sees that a central KPI was revised (お知らせ)."""
    kpi = revision.kpi
    title = f"中央KPIの見直し: {kpi.short_name}（{wareki_fiscal_year(revision.effective_year)}から）"
    body = "\n".join(
        [
            f"{kpi.owner.name}の「{kpi.short_name}」の見直しが報告されました。"
            f"{wareki_fiscal_year(revision.effective_year)}（{revision.effective_year}年度）から適用します。",
            *(f"・{line}" for line in change_lines(revision)),
            f"見直しの理由: {revision.vision_change}",
        ]
    )
    return Notice.objects.create(title=title[:200], body=body, revision=revision)
