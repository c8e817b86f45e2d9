"""`{% compilation_kpi_rows entry.rows %}`: the KPI lines of one body in the compilation, built in Python.

The national compilation shows every body's KPIs — over a thousand lines at national scale — and the template
engine would spend most of the page's time on them; these few lines of Python give the same markup.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chizai.lib.numbers import format_percent, format_quantity
from chizai.pdca.table import KpiRow

register = template.Library()

NAME_LENGTH = 40
"""Characters of a KPI's short name shown (as `truncatechars:40`: 39 and 「…」 when longer)."""


def _truncated(text: str) -> str:
    return text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 1] + "…"


def _line(row: KpiRow) -> str:
    kpi, result = row.kpi, row.result
    if result is None:
        figures, rate = "—", "—"
    else:
        figures = f"{format_quantity(result.actual, kpi.unit)}／{format_quantity(result.target, kpi.unit)}"
        rate = format_percent(result.achievement, kpi.decimals)
    notes = ""
    if row.overridden:
        notes += f'<span class="note">目安 {escape(row.suggested or "なし")}</span>'
    if row.changes:
        notes += '<span class="note">受理後に変更あり</span>'
    return (
        f'<tr><th scope="row">{escape(_truncated(kpi.short_name))}</th><td class="num">{escape(figures)}</td>'
        f'<td class="num">{escape(rate)}</td><td class="rating">{escape(row.final_rating or "—")}{notes}</td></tr>'
    )


@register.simple_tag
def compilation_kpi_rows(rows: list[KpiRow]) -> SafeString:
    """One table row per KPI: name, actual／target, achievement, the rating (and its notes)."""
    return mark_safe("\n".join(_line(row) for row in rows))  # noqa: S308 (every value is escaped above)
