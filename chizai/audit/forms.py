"""The filters of the audit log page (変更履歴の一覧): date range, user, object type, action and kind."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from chizai.audit.models import AuditEntry
from chizai.lib.dates import EARLIEST, LATEST, OUT_OF_RANGE_MESSAGE

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of ours by its label (cases.supportcase) and Japanese name, from the app registry: no query."""
    ours = [model for model in apps.get_models() if model.__module__.startswith("chizai.")]
    named = sorted((str(m._meta.verbose_name), m._meta.label_lower) for m in ours)
    return [("", "すべて"), *((label, f"{name}（{label}）") for name, label in named)]


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label="期間（から）", required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label="期間（まで）", required=False, widget=DATE_WIDGET)
    user = forms.CharField(
        label="実行者", required=False, max_length=150, widget=forms.TextInput(attrs={"type": "search"})
    )
    object_type = forms.ChoiceField(label="対象の種類", required=False)
    action = forms.CharField(
        label="操作（コードの先頭）",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "kpis.actual など"}),
    )
    kind = forms.ChoiceField(label="種類", required=False, choices=[("", "すべて"), *AuditEntry.Kind.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices()  # type: ignore[attr-defined]

    def clean_date_from(self) -> datetime.date | None:
        return _in_range(self.cleaned_data["date_from"])

    def clean_date_to(self) -> datetime.date | None:
        return _in_range(self.cleaned_data["date_to"])

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The entries narrowed by every valid filter (an invalid one is ignored, and says so on the form)."""
        if self.is_bound:
            self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}
        if "date_from" in values:
            entries = entries.filter(at__gte=_start_of(values["date_from"]))
        if "date_to" in values:
            entries = entries.filter(at__lt=_start_of(values["date_to"] + datetime.timedelta(days=1)))
        if "user" in values:
            text = values["user"].strip()
            entries = entries.filter(Q(actor__username__icontains=text) | Q(actor_label__icontains=text))
        if "object_type" in values:
            entries = entries.filter(object_type=values["object_type"])
        if "action" in values:
            entries = entries.filter(action__startswith=values["action"].strip())
        if "kind" in values:
            entries = entries.filter(kind=values["kind"])
        return entries


def _in_range(value: datetime.date | None) -> datetime.date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError(OUT_OF_RANGE_MESSAGE)
    return value


def _start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of a day in the site's time zone (the dates the page shows)."""
    moment = datetime.datetime.combine(day, datetime.time.min)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
