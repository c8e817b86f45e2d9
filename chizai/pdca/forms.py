"""Forms of the self-evaluation: the texts, a rating per KPI, and the comment of a workflow step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from chizai.organizations.forms import organization_filter
from chizai.organizations.models import Organization, OrganizationKind
from chizai.pdca.models import TEXT_MAX_LENGTH, Rating, SelfEvaluation, Status
from chizai.pdca.table import KpiRow

TEXT_FIELDS = ("previous_followup", "activities", "issues", "improvements", "advanced_practice")

HELP_TEXTS = {
    "previous_followup": "前回の自己評価で挙げた改善策に、この半期どう取り組んだかを記入します。",
    "activities": "この半期の取組の状況を記入します。",
    "issues": "取組の中で見えてきた課題を記入します。",
    "improvements": "次の半期以降の取組・改善策を記入します。次回の自己評価に「前回の改善策」として引き継がれます。",
}


LENGTH_MESSAGE = {"max_length": f"{TEXT_MAX_LENGTH:,}文字以内で記入してください（いまは%(show_value)d文字です）。"}


def _text_field(name: str) -> forms.CharField:
    return forms.CharField(
        label=SelfEvaluation.field_label(name),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        error_messages=LENGTH_MESSAGE,
        help_text=HELP_TEXTS.get(name, SelfEvaluation.field_help(name)),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class SelfEvaluationForm(forms.Form):
    """The organisation's own words plus, per KPI, a rating other than the suggestion (目安) and why."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, evaluation: SelfEvaluation, rows: list[KpiRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation
        self.rows = rows
        for name in self.text_field_names:
            self.fields[name] = _text_field(name)
        for row in rows:
            suggested = f"目安のまま（{row.suggested}）" if row.suggested else "目安のまま（目安なし）"
            self.fields[self.rating_name(row)] = forms.ChoiceField(
                label=f"「{row.kpi.short_name}」の自己評価",
                required=False,
                choices=[("", suggested), *Rating.choices],
            )
            self.fields[self.reason_name(row)] = forms.CharField(
                label=f"「{row.kpi.short_name}」の目安と異なる評価の理由",
                required=False,
                max_length=TEXT_MAX_LENGTH,
                error_messages=LENGTH_MESSAGE,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @property
    def text_field_names(self) -> list[str]:
        """前回の改善策の対応状況 is asked only when there were 改善策 to follow up (or it was written already)."""
        ask_followup = bool(self.evaluation.previous_improvements.strip() or self.evaluation.previous_followup.strip())
        return [name for name in TEXT_FIELDS if name != "previous_followup" or ask_followup]

    def text_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.text_field_names]

    @staticmethod
    def rating_name(row: KpiRow) -> str:
        return f"rating_{row.kpi.pk}"

    @staticmethod
    def reason_name(row: KpiRow) -> str:
        return f"reason_{row.kpi.pk}"

    @classmethod
    def initial_for(cls, evaluation: SelfEvaluation, rows: list[KpiRow]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(evaluation, name) for name in TEXT_FIELDS}
        initial["version"] = evaluation.version
        for row in rows:
            initial[cls.rating_name(row)] = row.rating.rating if row.rating else ""
            initial[cls.reason_name(row)] = row.rating.reason if row.rating else ""
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in self.rows:
            rating = data.get(self.rating_name(row), "")
            if rating and rating != row.suggested and not data.get(self.reason_name(row), "").strip():
                self.add_error(
                    self.reason_name(row),
                    f"目安（{row.suggested or 'なし'}）と異なる評価（{rating}）を選んだ理由を記入してください。",
                )
        return data

    @property
    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.text_field_names}

    @property
    def ratings(self) -> dict[int, tuple[str, str]]:
        return {
            row.kpi.pk: (self.cleaned_data[self.rating_name(row)], self.cleaned_data[self.reason_name(row)])
            for row in self.rows
        }

    def row_fields(self) -> list[tuple[KpiRow, forms.BoundField, forms.BoundField]]:
        """Each KPI row with its rating and reason fields, for the template."""
        return [(row, self[self.rating_name(row)], self[self.reason_name(row)]) for row in self.rows]


class TransitionForm(forms.Form):
    """The comment of a workflow step; required for 差戻し and 再開, where it is the reason."""

    comment = forms.CharField(
        label="コメント", required=False, max_length=TEXT_MAX_LENGTH, error_messages=LENGTH_MESSAGE
    )


class OthersFilterForm(forms.Form):
    """Filters of the other bodies' evaluations of a half year: status, kind of body, regional block, name.

    Hidden `plan` and `period` keep the half year chosen above, so the filters work without JavaScript.
    """

    plan = forms.CharField(required=False, widget=forms.HiddenInput)
    period = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label="関係主体名", required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    status = forms.ChoiceField(label="状態", required=False, choices=[("", "すべて"), *Status.choices])
    kind = forms.ChoiceField(label="種別", required=False, choices=[("", "すべて"), *OrganizationKind.choices])
    block = organization_filter("地域ブロック")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        block: Any = self.fields["block"]
        block.queryset = Organization.objects.bureaus()
        block.label_from_instance = lambda o: o.block_name or o.display_name

    def filter(self, evaluations: QuerySet[SelfEvaluation]) -> QuerySet[SelfEvaluation]:
        """The evaluations narrowed by every valid filter (an invalid one is ignored); never more than given."""
        if self.is_bound:
            self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}
        if "status" in values:
            evaluations = evaluations.filter(status=values["status"])
        if "kind" in values:
            evaluations = evaluations.filter(organization__kind=values["kind"])
        if "block" in values:
            block = values["block"]
            evaluations = evaluations.filter(Q(organization=block) | Q(organization__bureau=block))
        if "q" in values:
            text = values["q"].strip()
            evaluations = evaluations.filter(
                Q(organization__name__icontains=text) | Q(organization__short_name__icontains=text)
            )
        return evaluations

    @property
    def filtered(self) -> bool:
        return any(self.data.get(name) for name in ("q", "status", "kind", "block"))
