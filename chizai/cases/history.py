"""The stays of a case in each stage (段階ごとの日数), from its stage changes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from chizai.cases.models import Stage, StageChange, entered_on


@dataclass(frozen=True)
class StagePeriod:
    """One stay of a case in a stage: when it began, how long it lasted (so far), the due date set for it."""

    change: StageChange
    started_on: datetime.date
    ended_on: datetime.date | None
    days: int
    current: bool


def stage_history(changes: list[StageChange], today: datetime.date) -> list[StagePeriod]:
    """The stays in each stage, from the stage changes in order; the last one lasts until today."""
    periods = []
    for index, change in enumerate(changes):
        started = entered_on(change.at)
        following = changes[index + 1] if index + 1 < len(changes) else None
        ended = entered_on(following.at) if following is not None else None
        closed = change.to_stage == Stage.CLOSED
        days = max(((ended or today) - started).days, 0)
        periods.append(StagePeriod(change, started, ended, 0 if closed else days, following is None))
    return periods
