"""The names of the rules that count a KPI's actuals from hands-on support cases, registered by the cases app.

A plan file names a KPI's `counting_rule:`; the plan loader checks the name here, so the KPI app knows which
rules exist without importing the cases app (which registers them in its `AppConfig.ready()`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleName:
    """A counting rule as the KPI app knows it: its name, what it counts, and whether it gives a ratio."""

    name: str
    label: str
    is_ratio: bool = False
    from_survey: bool = False  # counted from survey answers (its figures carry the response rate)


_rules: dict[str, RuleName] = {}


def register_rule(name: str, label: str, *, is_ratio: bool = False, from_survey: bool = False) -> None:
    """Register a counting rule (idempotent: registering the same name again replaces it)."""
    _rules[name] = RuleName(name, label, is_ratio, from_survey)


def counts_survey_answers(name: str) -> bool:
    rule = _rules.get(name)
    return rule is not None and rule.from_survey


def rule_named(name: str) -> RuleName | None:
    return _rules.get(name)


def rule_names() -> list[str]:
    """Every registered rule's name, in registration order."""
    return list(_rules)
