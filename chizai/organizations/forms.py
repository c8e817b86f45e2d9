"""Form fields about organisations that several apps' filter forms share."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from chizai.organizations.models import Organization


def organization_filter(
    label: str, queryset: QuerySet[Organization] | None = None
) -> forms.ModelChoiceField[Organization]:
    """An optional filter by organisation, named by its code in the query string (?block=bureau-kanto); 「すべて」
    stands for no filter. The queryset is usually set per user in the form's __init__ (none until then)."""
    return forms.ModelChoiceField(
        label=label,
        queryset=Organization.objects.none() if queryset is None else queryset,
        to_field_name="code",
        required=False,
        empty_label="すべて",
    )
