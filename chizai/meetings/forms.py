"""Forms of the liaison meeting pages: registering a meeting, its record, attendance and decisions."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet

from chizai.kpis.models import KpiRevision, Plan
from chizai.lib.fiscal import fiscal_year_label, fiscal_year_of
from chizai.lib.wareki import wareki_date, wareki_fiscal_year
from chizai.meetings.agenda import linkable_evaluations, reportable_revisions
from chizai.meetings.models import (
    ATTENDEES_MAX_LENGTH,
    DECISION_MAX_LENGTH,
    MINUTES_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VENUE_MAX_LENGTH,
    Attendance,
    LiaisonMeeting,
    MeetingKind,
)
from chizai.organizations.models import Organization
from chizai.pdca.models import SelfEvaluation

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]

if TYPE_CHECKING:
    ModelChoiceField = forms.ModelChoiceField[Any]
    ModelForm = forms.ModelForm[LiaisonMeeting]
else:
    ModelChoiceField = forms.ModelChoiceField  # generic for the type checker only
    ModelForm = forms.ModelForm


def too_long(label: str, limit: int) -> dict[str, str]:
    return {"max_length": f"{label}は{limit:,}文字以内で入力してください。"}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "日付を 2024-07-10 の形で入力してください。",
            "required": "開催日を入力してください。",
        },
    )


def default_title(bureau: Organization, fiscal_year: int) -> str:
    """e.g. 「令和6年度 関東地域・中小企業の知財支援に係る地域連絡会議」."""
    return f"{wareki_fiscal_year(fiscal_year)} {bureau.block_name}地域・中小企業の知財支援に係る地域連絡会議"


class BureauChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.block_name}ブロック（{obj.display_name}）"


class MeetingCreateForm(forms.Form):
    """A new meeting of a block: which bureau hosts it, for which plan and fiscal year, when and where."""

    bureau = BureauChoiceField(label="主催局（地域ブロック）", queryset=Organization.objects.none(), empty_label=None)
    plan = forms.ModelChoiceField(label="計画", queryset=Plan.objects.order_by("-number"), empty_label=None)
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int)
    kind = forms.ChoiceField(label="種類", choices=MeetingKind.choices, initial=MeetingKind.REGULAR)
    held_on = _date_field("開催日")
    title = forms.CharField(
        label="名称",
        max_length=TITLE_MAX_LENGTH,
        required=False,
        error_messages=too_long("名称", TITLE_MAX_LENGTH),
        help_text="空欄のときは「令和6年度 関東地域・中小企業の知財支援に係る地域連絡会議」のように付けます。",
    )
    venue = forms.CharField(
        label="会場",
        max_length=VENUE_MAX_LENGTH,
        required=False,
        help_text="オンライン開催の場合はその旨を記入します。",
        error_messages=too_long("会場", VENUE_MAX_LENGTH),
    )

    def __init__(self, *args: Any, bureaus: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._field(BureauChoiceField, "bureau").queryset = bureaus
        years = sorted({y for plan in Plan.objects.all() for y in plan.fiscal_years})
        self._field(forms.TypedChoiceField, "fiscal_year").choices = [(y, fiscal_year_label(y)) for y in years]

    def _field[F: forms.Field](self, kind: type[F], name: str) -> F:
        field = self.fields[name]
        assert isinstance(field, kind)
        return field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan, year = data.get("plan"), data.get("fiscal_year")
        if plan is not None and year is not None and year not in plan.fiscal_years:
            self.add_error("fiscal_year", f"年度は計画期間（{plan.period_label}）の中から選んでください。")
        bureau = data.get("bureau")
        if bureau is not None and year is not None and not data.get("title"):
            data["title"] = default_title(bureau, year)
        return data

    @staticmethod
    def initial_for(today: datetime.date) -> dict[str, Any]:
        return {"fiscal_year": fiscal_year_of(today), "held_on": today}


class MeetingEditForm(ModelForm):
    """The record of a meeting: when and where it was held, and its minutes (議事録)."""

    held_on = _date_field("開催日")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = LiaisonMeeting
        fields = ["title", "kind", "held_on", "venue", "minutes"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 14})}
        error_messages = {
            "title": {"required": "名称を入力してください。", **too_long("名称", TITLE_MAX_LENGTH)},
            "venue": too_long("会場", VENUE_MAX_LENGTH),
            "minutes": too_long("議事録", MINUTES_MAX_LENGTH),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.held_on:
            self.fields["held_on"].help_text = f"現在の開催日: {wareki_date(self.instance.held_on)}"

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AttendanceForm(forms.Form):
    """One checkbox (出席) and one text (出席者) per invited body."""

    def __init__(self, *args: Any, attendances: list[Attendance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendances = attendances
        for row in attendances:
            self.fields[f"attended_{row.pk}"] = forms.BooleanField(
                label=f"{row.organization.display_name} 出席", required=False, initial=row.attended
            )
            self.fields[f"attendees_{row.pk}"] = forms.CharField(
                label=f"{row.organization.display_name} 出席者",
                required=False,
                max_length=ATTENDEES_MAX_LENGTH,
                initial=row.attendees,
                error_messages=too_long("出席者", ATTENDEES_MAX_LENGTH),
            )

    def rows(self) -> list[tuple[Attendance, forms.BoundField, forms.BoundField]]:
        return [(row, self[f"attended_{row.pk}"], self[f"attendees_{row.pk}"]) for row in self.attendances]

    def attendance(self) -> dict[int, tuple[bool, str]]:
        data = self.cleaned_data
        return {row.pk: (data[f"attended_{row.pk}"], data[f"attendees_{row.pk}"]) for row in self.attendances}


class RevisionChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.kpi.owner.display_name}「{obj.kpi.short_name}」{obj.effective_year}年度から見直し"


class EvaluationChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organization.display_name} {obj.period.short_label} 自己評価（{obj.status_label}）"


class DecisionForm(forms.Form):
    """A decision of the meeting, optionally reporting a KPI revision or following up an evaluation."""

    text = forms.CharField(
        label="決定事項",
        max_length=DECISION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "決定事項の内容を記入してください。", **too_long("決定事項", DECISION_MAX_LENGTH)},
    )
    revision = RevisionChoiceField(
        label="報告するKPIの見直し",
        queryset=KpiRevision.objects.none(),
        required=False,
        empty_label="（なし）",
        help_text="選んだ見直しは、この会議で報告されたものとして適用されます。",
    )
    evaluation = EvaluationChoiceField(
        label="関連する自己評価（改善策・先進的な取組）",
        queryset=SelfEvaluation.objects.none(),
        required=False,
        empty_label="（なし）",
    )

    def __init__(self, *args: Any, meeting: LiaisonMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        revision, evaluation = self.fields["revision"], self.fields["evaluation"]
        assert isinstance(revision, RevisionChoiceField) and isinstance(evaluation, EvaluationChoiceField)
        revision.queryset = reportable_revisions(meeting)
        evaluation.queryset = linkable_evaluations(meeting)

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("決定事項の内容を記入してください。")
        return text
