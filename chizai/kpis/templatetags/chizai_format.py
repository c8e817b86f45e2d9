"""Template filters for Japanese office figures: 1,234件, 107%, 2023年度（令和5年度）."""

from decimal import Decimal

from django import template

from chizai.lib.fiscal import fiscal_year_label
from chizai.lib.numbers import format_number, format_percent, format_quantity
from chizai.lib.wareki import wareki_fiscal_year, wareki_year

register = template.Library()


@register.filter
def quantity(value: Decimal | int | None, unit: str) -> str:
    return format_quantity(value, unit)


@register.filter
def number(value: Decimal | int | None) -> str:
    return format_number(value)


@register.filter
def percent(value: Decimal | None, decimals: int = 0) -> str:
    return format_percent(value, decimals)


@register.filter
def fiscal_year(value: int) -> str:
    return fiscal_year_label(value)


@register.filter
def wareki(value: int, calendar: bool = False) -> str:
    """The 和暦 name of a fiscal year (令和5年度) or, with calendar=True, of a calendar year (令和4年)."""
    return wareki_year(value) if calendar else wareki_fiscal_year(value)
