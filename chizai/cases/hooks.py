"""What the apps above do when a case reaches follow-up: each registers a function given the case and the day.

The cases app sits below the surveys and knows no questionnaire; the surveys app registers here from its
AppConfig.ready (the follow-up survey invitation), as chizai.workers.hooks does for a dead worker.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chizai.cases.models import SupportCase

FollowUpHandler = Callable[["SupportCase", datetime.date], object]

_follow_up_handlers: list[FollowUpHandler] = []


def on_follow_up(handler: FollowUpHandler) -> FollowUpHandler:
    """Register `handler(case, day)`; it runs inside the transaction that moves the case to follow-up."""
    if handler not in _follow_up_handlers:
        _follow_up_handlers.append(handler)
    return handler


def follow_up_handlers() -> list[FollowUpHandler]:
    return list(_follow_up_handlers)
