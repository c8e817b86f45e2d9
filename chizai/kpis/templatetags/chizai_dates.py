"""Template filters for the app's one date rule (`chizai.lib.date_labels`): {{ day|ymd }}, {{ moment|ymd_hm }},
{{ moment|ymd_hms }} (with seconds).

A datetime is shown in local time. Fiscal years: {{ year|fiscal_year }} (2026年度（令和8年度）).
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

from chizai.lib.date_labels import date_label, datetime_label, month_label, similarity_label
from chizai.lib.fiscal import fiscal_year_label

register = template.Library()


def _local(value: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def ymd(value: datetime.date | None) -> str:
    return "" if value in (None, "") else date_label(_local(value))


@register.filter
def ymd_hm(value: datetime.datetime | None) -> str:
    if value in (None, ""):
        return ""
    local = _local(value)
    return datetime_label(local) if isinstance(local, datetime.datetime) else date_label(local)


@register.filter
def ymd_hms(value: datetime.datetime | None) -> str:
    """With seconds, where the order of close events matters (the audit log)."""
    if value in (None, ""):
        return ""
    local = _local(value)
    return datetime_label(local, seconds=True) if isinstance(local, datetime.datetime) else date_label(local)


@register.filter
def ym(value: datetime.date | None) -> str:
    """2026年12月 (local time for a datetime)."""
    return month_label(_local(value) if value is not None else None)


@register.filter
def fiscal_year(value: int) -> str:
    return fiscal_year_label(value)


@register.filter
def similarity(value: float | None) -> str:
    return similarity_label(value)
