"""Where a figure came from, beside it: the response rate of a figure counted from survey answers."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def for_year(notes: dict[int, str] | None, year: int) -> str:
    """The note of the year's figure (`{{ survey_notes|for_year:result.end_year }}`), or ""."""
    return (notes or {}).get(year, "")
