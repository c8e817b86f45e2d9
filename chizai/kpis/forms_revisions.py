"""The form for proposing a KPI revision (KPIの見直しの提案)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse

from chizai.kpis.actions import MAX_KPI_NAME, MAX_VISION_CHANGE
from chizai.kpis.forms import JapaneseNumberField, reload_on_change
from chizai.kpis.models import Kpi, KpiRevision, RevisionStatus, Shape
from chizai.lib.fiscal import fiscal_year_label, fiscal_year_of
from chizai.lib.numbers import format_number, format_quantity
from chizai.lib.wareki import wareki_fiscal_year, wareki_year
from chizai.organizations.forms import organization_filter
from chizai.organizations.models import Organization, OrganizationKind

# Bodies that own KPIs: JPO and INPIT (central KPIs), the bureaus and the prefectures (regional KPIs).
OWNER_KINDS = (OrganizationKind.JPO, OrganizationKind.INPIT, OrganizationKind.BUREAU, OrganizationKind.PREFECTURE)

TARGET_PREFIX = "target_"


def _plain(value: Decimal | None) -> str:
    """A figure as a person types it, prefilled in a field: "1,234", "12.5"."""
    return "" if value is None else format_number(value)


def default_effective_year(kpi: Kpi, today: Any) -> int:
    """The current fiscal year, kept within the plan's years."""
    return min(max(fiscal_year_of(today), kpi.plan.first_fiscal_year), kpi.plan.last_fiscal_year)


def target_years(kpi: Kpi, effective_year: int) -> list[int]:
    """The years whose target the revision may set: single-year targets and plan years from the effective year."""
    if kpi.shape == Shape.QUALITATIVE:
        return []
    years = {t.start_year for t in kpi.targets.all() if t.start_year == t.end_year}
    if kpi.shape != Shape.BASELINE_TARGET:
        years |= set(kpi.plan.fiscal_years)
    return sorted(y for y in years if y >= effective_year)


class RevisionForm(forms.Form):
    """Effective year, new wording, new baseline, a new target per year from the effective year, and the reason."""

    effective_year = forms.TypedChoiceField(label="適用開始年度", coerce=int)
    new_name = forms.CharField(
        label="指標名（見直し後）",
        max_length=MAX_KPI_NAME,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "指標名を入力してください。",
            "max_length": f"指標名は{MAX_KPI_NAME:,}文字以内で入力してください。",
        },
    )
    new_baseline_value = JapaneseNumberField(label="基準値（見直し後）")
    vision_change = forms.CharField(
        label="見直しの理由（産業振興ビジョンの改定等）",
        max_length=MAX_VISION_CHANGE,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "見直しの理由（産業振興ビジョンの改定等）を入力してください。",
            "max_length": f"見直しの理由は{MAX_VISION_CHANGE:,}文字以内で入力してください。",
        },
        help_text="産業振興ビジョン等がどう変わり、なぜKPIを見直すのかを記入してください。報告の際に共有されます。",
    )

    def __init__(self, *args: Any, kpi: Kpi, effective_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        year_field = self.fields["effective_year"]
        assert isinstance(year_field, forms.ChoiceField)
        year_field.choices = [(y, fiscal_year_label(y)) for y in kpi.plan.fiscal_years]
        self.fields["effective_year"].initial = effective_year
        self.fields["new_name"].initial = kpi.name
        self.fields[
            "effective_year"
        ].help_text = "この年度以降の目標を変更します。それより前の年度の目標はそのまま残ります。"
        page = {"include": "closest form", "target": "main", "select": "main", "swap": "outerHTML", "push_url": "true"}
        year_field.widget.attrs.update(reload_on_change(reverse("kpis:revision_propose", args=[kpi.pk]), **page))
        if kpi.baseline_value is None and kpi.shape != Shape.BASELINE_TARGET:
            del self.fields["new_baseline_value"]
        else:
            self.fields["new_baseline_value"].label = f"基準値（見直し後・{kpi.unit}）"
            self.fields["new_baseline_value"].initial = _plain(kpi.baseline_value)
            self.fields[
                "new_baseline_value"
            ].help_text = f"現在の基準値: {format_quantity(kpi.baseline_value, kpi.unit)}"
        current = {t.start_year: t.value for t in kpi.targets.all() if t.start_year == t.end_year}
        for year in target_years(kpi, effective_year):
            self.fields[f"{TARGET_PREFIX}{year}"] = self._target_field(year, current.get(year))
        self.target_years = target_years(kpi, effective_year)

    def _target_field(self, year: int, current: Decimal | None) -> JapaneseNumberField:
        era = wareki_year(year) if self.kpi.is_calendar_year else wareki_fiscal_year(year)
        field = JapaneseNumberField(
            label=f"{self.kpi.label_period(year, year)}（{era}）の目標（{self.kpi.unit}）",
            required=current is not None,
            initial=_plain(current),
            error_messages={"required": "現在の目標がある年度です。見直し後の目標を入力してください。"},
        )
        field.help_text = "現在の目標はありません。空欄なら設定しません。" if current is None else ""
        return field

    @property
    def target_fields(self) -> list[forms.BoundField]:
        return [self[f"{TARGET_PREFIX}{year}"] for year in self.target_years]

    def new_targets(self) -> dict[int, Decimal | None]:
        return {year: self.cleaned_data.get(f"{TARGET_PREFIX}{year}") for year in self.target_years}


class RevisionFilterForm(forms.Form):
    """Filters of the revision list: status, the KPI's body (prefecture, bureau, JPO…) and part of its name."""

    q = forms.CharField(
        label="指標名", required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    status = forms.ChoiceField(label="状態", required=False, choices=[("", "すべて"), *RevisionStatus.choices])
    organization = organization_filter("関係主体")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = Organization.objects.visible_to(user).filter(kind__in=OWNER_KINDS)
        field: Any = self.fields["organization"]
        field.queryset = owners.order_by("sort_order", "jis_code", "code")
        field.label_from_instance = lambda o: o.display_name

    def filter(self, revision_list: QuerySet[KpiRevision]) -> QuerySet[KpiRevision]:
        """The revisions narrowed by every valid filter (an invalid one is ignored); never more than given."""
        if self.is_bound:
            self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}
        if "status" in values:
            revision_list = revision_list.filter(status=values["status"])
        if "organization" in values:
            revision_list = revision_list.filter(kpi__owner=values["organization"])
        if "q" in values:
            text = values["q"].strip()
            revision_list = revision_list.filter(
                Q(kpi__name__icontains=text) | Q(old_name__icontains=text) | Q(new_name__icontains=text)
            )
        return revision_list
