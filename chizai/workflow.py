"""One workflow engine for every object that moves through states by people's decisions (提出・確認・受理・差戻し…).

An app describes its object's workflow once, as a table of `Rule`s (from which states, by which action, who
may, to which state, what else happens, the button and the message), registers it, and moves its objects only
through `transition()`. The same table answers "may this user do this?" (`Workflow.allows`), which buttons a
page offers (`Workflow.available`) and what a state is called for this object (`Workflow.status_label`).

This module sits below the apps that use it (self-evaluations, model cases, and later surveys and reports):
it never imports them; each object's workflow is looked up by its model.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from chizai.audit.log import log
from chizai.organizations.types import Actor, AnyUser

STALE_MESSAGE = "この操作の間に、他の利用者がこの状態を変更しました。画面を開き直して、現在の状態を確かめてください。"

# The hooks a table names. Each receives the object as locked for the transition.
Who = Callable[[AnyUser, Any], bool]
Check = Callable[[Any, datetime.date], list[str]]
Stamp = Callable[[Any, Actor, datetime.datetime], dict[str, Any]]
Effect = Callable[[Any, Actor, str], None]


class StaleTransition(ValidationError):
    """Someone else moved the object between reading it and this transition: nothing was written."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE)


@dataclass(frozen=True)
class Rule:
    """One row of a transition table: `action` takes the object from one of `sources` to `target`.

    `who` says who may (for the object as it is); `applies` limits the rule to some objects (e.g. only
    regional bodies go through their bureau); `check` lists in Japanese what is missing before the move;
    `stamp` gives extra columns written in the same UPDATE (e.g. 提出日時); `effects` run after the move,
    inside the same transaction (e.g. acceptance snapshots and locks the figures).
    """

    action: str
    sources: tuple[str, ...]
    target: str
    who: Who
    button: str
    done: str
    refused: str
    audit_action: str
    comment_label: str = ""
    comment_required: bool = False
    comment_missing: str = "コメントを記入してください。"
    applies: Callable[[Any], bool] | None = None
    check: Check | None = None
    stamp: Stamp | None = None
    effects: tuple[Effect, ...] = ()

    def matches(self, obj: Any, state: str) -> bool:
        return state in self.sources and (self.applies is None or self.applies(obj))


@dataclass(frozen=True)
class Workflow:
    """The transition table of one model, and how its objects describe themselves to the engine.

    `snapshot` gives the values the audit entry compares; `audit_links` the plan/KPI the entry belongs to;
    `record` writes the app's own history row of a move (e.g. the self-evaluation's Transition), if it keeps one;
    `describe` names a state for a given object when the plain label is not enough.
    """

    model: type[models.Model]
    rules: tuple[Rule, ...]
    labels: dict[str, str]
    snapshot: Callable[[Any], dict[str, Any]]
    state_field: str = "status"
    version_field: str | None = "version"
    audit_links: Callable[[Any], dict[str, Any]] = field(default=lambda obj: {})
    record: Callable[[Any, str, str, Actor, str], None] | None = None
    describe: Callable[[Any, str], str | None] | None = None

    def state(self, obj: Any) -> str:
        return str(getattr(obj, self.state_field))

    def rule(self, action: str, obj: Any) -> Rule | None:
        """The rule for `action` from the object's state, or None when the action does not apply now."""
        state = self.state(obj)
        return next((r for r in self.rules if r.action == action and r.matches(obj, state)), None)

    def actions(self) -> list[str]:
        return list(dict.fromkeys(rule.action for rule in self.rules))

    def allows(self, user: AnyUser, obj: Any, action: str) -> bool:
        rule = self.rule(action, obj)
        return rule is not None and rule.who(user, obj)

    def available(self, user: AnyUser, obj: Any) -> list[Rule]:
        """The steps the user may take now, in table order: what a page offers as buttons."""
        state = self.state(obj)
        return [r for r in self.rules if r.matches(obj, state) and r.who(user, obj)]

    def status_label(self, obj: Any, state: str | None = None) -> str:
        """What the object's state (or `state`, e.g. one in its history) is called for this object."""
        state = self.state(obj) if state is None else state
        described = self.describe(obj, state) if self.describe is not None else None
        return described or self.labels.get(state, state)

    def refusal(self, action: str) -> str:
        """The Japanese refusal of an action, whatever state the object is in."""
        return next((r.refused for r in self.rules if r.action == action), "この操作はできません。")


_registry: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Make the workflow the one of its model (apps do this when their table module is imported)."""
    _registry[workflow.model._meta.label_lower] = workflow
    return workflow


def workflow_of(obj: models.Model | type[models.Model]) -> Workflow:
    return _registry[obj._meta.label_lower]


def transition(
    *, obj: models.Model, action: str, actor: Actor, comment: str = "", today: datetime.date | None = None
) -> Any:
    """Take `action` on the object as `actor`: the one way any workflow state changes.

    Checks the rule (PermissionDenied with the rule's Japanese refusal), the comment and the rule's own check
    (ValidationError), moves the state with an UPDATE conditional on the state and version it was read in (a
    concurrent transition never applies twice: StaleTransition), records the move and its audit entry and runs
    the side effects — all in one transaction. Returns the object as it now is.
    """
    workflow = workflow_of(obj)
    comment = comment.strip()
    with transaction.atomic():
        current: Any = workflow.model._default_manager.select_for_update().get(pk=obj.pk)
        rule = workflow.rule(action, current)
        if rule is None or actor is None or not rule.who(actor, current):
            raise PermissionDenied(workflow.refusal(action))
        if rule.comment_required and not comment:
            raise ValidationError(rule.comment_missing)
        problems = rule.check(current, today or timezone.localdate()) if rule.check is not None else []
        if problems:
            raise ValidationError(problems)
        _move(workflow, rule, current, actor, comment)
        return current


def _move(workflow: Workflow, rule: Rule, current: Any, actor: Actor, comment: str) -> None:
    before = workflow.snapshot(current)
    from_state = workflow.state(current)
    values: dict[str, Any] = {workflow.state_field: rule.target}
    if rule.stamp is not None:
        values.update(rule.stamp(current, actor, timezone.now()))
    guard: dict[str, Any] = {"pk": current.pk, workflow.state_field: from_state}
    if workflow.version_field is not None:
        guard[workflow.version_field] = getattr(current, workflow.version_field)
        values[workflow.version_field] = F(workflow.version_field) + 1
    if workflow.model._default_manager.filter(**guard).update(**values) != 1:
        raise StaleTransition()
    current.refresh_from_db()
    if workflow.record is not None:
        workflow.record(current, from_state, rule.target, actor, comment)
    log(
        actor,
        rule.audit_action,
        current,
        before,
        workflow.snapshot(current),
        reason=comment,
        **workflow.audit_links(current),
    )
    for effect in rule.effects:
        effect(current, actor, comment)


def perform(
    request: HttpRequest, *, obj: models.Model, action: str, comment: str, today: datetime.date | None = None
) -> bool:
    """Take the step as the request's user and say how it went: the rule's `done` message, or the refusal."""
    workflow = workflow_of(obj)
    try:
        moved = transition(obj=obj, action=action, actor=request.user, comment=comment, today=today)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    done = next((r.done for r in workflow.rules if r.action == action and r.target == workflow.state(moved)), "")
    messages.success(request, done)
    return True
