"""Workflow steps offered as buttons (提出・確認・受理・差戻し…), shared by self-evaluations and model cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


@dataclass(frozen=True)
class Step:
    """A workflow step offered on a page, with the rule that allows it and the action it runs."""

    action: str
    button: str
    done: str
    allowed: Callable[[Any, Any], bool]
    run: Callable[[Any, Any, str], Any]
    comment_label: str = ""
    comment_required: bool = False


def perform(request: HttpRequest, step: Step, obj: Any, comment: str) -> None:
    """Run the step as the request's user and say how it went: its `done` message, or the action's refusal."""
    try:
        step.run(obj, request.user, comment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, step.done)
