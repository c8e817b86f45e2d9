"""Forms for entering actuals and evaluations; the same rules serve the screen and, later, imports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse

from chizai.kpis import figures
from chizai.kpis.achievement import Status
from chizai.kpis.models import HalfChoice, Kpi, KpiKind, Plan, Shape
from chizai.lib.numbers import parse_number
from chizai.lib.wareki import wareki_fiscal_year, wareki_year
from chizai.organizations.forms import organization_filter
from chizai.organizations.models import Organization

MAX_FIGURE = Decimal("999999999999")


class JapaneseNumberField(forms.CharField):
    """A number as Japanese offices type it: 1,234 / １２３４ / 1234件 / △5; empty means none."""

    def __init__(self, *, min_value: Decimal | None = Decimal(0), **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)
        self.min_value = min_value

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            number = parse_number(text)
        except ValueError as error:
            raise forms.ValidationError("数値を入力してください（例: 1,234）。", code="invalid") from error
        if self.min_value is not None and number < self.min_value:
            raise forms.ValidationError("0以上の数値を入力してください。", code="min_value")
        if abs(number) > MAX_FIGURE:
            raise forms.ValidationError("数値が大きすぎます。", code="max_value")
        if number != number.quantize(Decimal("0.01")):
            raise forms.ValidationError("小数点以下は2桁までで入力してください。", code="decimals")
        return number


def _choices(field: forms.Field, choices: list[tuple[Any, str]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def reload_on_change(url: str, **hx: str) -> dict[str, str]:
    """A select whose change reloads the form for the chosen period (htmx), so the form's own include renders it."""
    return {"hx-get": url, **{f"hx-{name.replace('_', '-')}": value for name, value in hx.items()}}


HALF_MONTHS: dict[str, str] = {HalfChoice.FIRST: "（4～9月）", HalfChoice.SECOND: "（10～3月）"}


def year_choices(kpi: Kpi) -> list[tuple[int, str]]:
    years = set(kpi.plan.fiscal_years)
    years |= {t.end_year for t in kpi.targets.all() if t.start_year == t.end_year}
    suffix = "年" if kpi.is_calendar_year else "年度"
    return [(y, f"{y}{suffix}") for y in sorted(years)]


class ActualForm(forms.Form):
    """An actual for one year and half (通期・上期・下期) of a KPI."""

    year = forms.TypedChoiceField(label="年度", coerce=int)
    half = forms.ChoiceField(label="期間", choices=HalfChoice.choices, initial=HalfChoice.FULL)
    value = JapaneseNumberField(label="実績値")
    numerator = JapaneseNumberField(label="該当数（分子）")
    denominator = JapaneseNumberField(label="対象数（分母）")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, kpi: Kpi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        era = wareki_year if kpi.is_calendar_year else wareki_fiscal_year
        _choices(self.fields["year"], [(y, f"{label}（{era(y)}）") for y, label in year_choices(kpi)])
        _choices(self.fields["half"], [(v, f"{label}{HALF_MONTHS.get(v, '')}") for v, label in HalfChoice.choices])
        self.fields["year"].label = "年" if kpi.is_calendar_year else "年度"
        url = reverse("kpis:actual_edit", args=[kpi.pk])
        swap = {"target": "#actual-form", "swap": "outerHTML"}
        self.fields["year"].widget.attrs.update(reload_on_change(url, include="#actual-form [name=half]", **swap))
        self.fields["half"].widget.attrs.update(reload_on_change(url, include="#actual-form [name=year]", **swap))
        self.fields["value"].label = f"実績値（{kpi.unit}）"
        if kpi.shape != Shape.RATIO:
            del self.fields["numerator"]
            del self.fields["denominator"]
        else:
            self.fields["value"].help_text = "割合（%）を直接入力するか、該当数と対象数を入力してください。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in figure_errors(
            self.kpi, data.get("value"), data.get("numerator"), data.get("denominator")
        ):
            self.add_error(field, message)
        return data


def figure_errors(
    kpi: Kpi, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None
) -> list[tuple[str | None, str]]:
    """The rules an actual's figures obey wherever they are entered (form, import): (field or None, message).

    A figure is a value, or for a ratio a numerator with its denominator; a percentage is at most 100.
    """
    if (numerator is None) != (denominator is None):
        return [(None, "該当数（分子）と対象数（分母）は両方入力してください。")]
    errors: list[tuple[str | None, str]] = []
    if numerator is not None and kpi.shape != Shape.RATIO:
        errors.append(("numerator", "該当数・対象数は、割合のKPIでのみ入力できます。"))
    if denominator == 0:
        errors.append(("denominator", "対象数（分母）に0は入力できません。"))
    if numerator is not None and denominator and numerator > denominator:
        errors.append(("numerator", "該当数が対象数を超えています。"))
    if numerator is not None and value is not None:
        return [*errors, (None, "割合と、該当数・対象数のどちらか一方だけを入力してください。")]
    if kpi.unit == "%" and value is not None and value > 100:
        errors.append(("value", "割合は100%以下で入力してください。"))
    return errors


class EvaluationForm(forms.Form):
    """A written evaluation for a year or the whole plan period."""

    period = forms.ChoiceField(label="対象期間")
    text = forms.CharField(
        label="評価（数値で表せない成果・課題など）",
        required=False,
        max_length=4000,
        error_messages={"max_length": "評価は4,000文字以内で入力してください。"},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="空欄で保存すると、その期間の評価を削除します。",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, kpi: Kpi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        url = reverse("kpis:evaluation_edit", args=[kpi.pk])
        page = {"target": "main", "select": "main", "swap": "outerHTML", "push_url": "true"}
        self.fields["period"].widget.attrs.update(reload_on_change(url, **page))
        plan = kpi.plan
        choices = [(f"{y}-{y}", kpi.label_period(y, y)) for y, _ in year_choices(kpi)]
        choices.append((f"{plan.first_fiscal_year}-{plan.last_fiscal_year}", f"計画期間全体（{plan.period_label}）"))
        _choices(self.fields["period"], choices)

    @property
    def period_years(self) -> tuple[int, int]:
        start, end = self.cleaned_data["period"].split("-")
        return int(start), int(end)


STATUS_FILTERS = (Status.ACHIEVED, Status.NOT_ACHIEVED, Status.IN_PROGRESS)
"""The statuses the KPI list filters by (評価不能 is not something anyone looks for)."""


class KpiFilterForm(forms.Form):
    """Filters of the KPI list: the plan and fiscal year shown, the owner, its regional block, the kind, the year's
    status and a search in the KPI's name (partial match).

    A filter only narrows the KPIs the user already sees (`Kpi.objects.visible_to`); a value that is not valid is
    ignored, the other filters still apply.
    """

    q = forms.CharField(
        label="指標名",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "一部だけでも検索できます"}),
    )
    plan = forms.TypedChoiceField(label="計画", coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    organization = organization_filter("関係主体")
    block = organization_filter("地域ブロック")
    kind = forms.ChoiceField(label="区分", choices=[("", "すべて"), *KpiKind.choices], required=False)
    status = forms.ChoiceField(
        label="状況", choices=[("", "すべて"), *((s.value, s.label) for s in STATUS_FILTERS)], required=False
    )

    def __init__(
        self, *args: Any, plans: list[Plan], plan: Plan, owners: QuerySet[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [(p.number, p.name) for p in plans]  # type: ignore[attr-defined]
        self.fields["year"].choices = [(y, f"{y}年度") for y in plan.fiscal_years]  # type: ignore[attr-defined]
        organization: Any = self.fields["organization"]
        organization.queryset = owners.order_by("sort_order", "jis_code", "code")
        organization.label_from_instance = lambda o: o.display_name
        block: Any = self.fields["block"]
        block.queryset = Organization.objects.bureaus()
        block.label_from_instance = lambda o: o.block_name or o.display_name

    def values(self) -> dict[str, Any]:
        """The valid, non-empty filters by field name (an invalid one is left out)."""
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if value not in (None, "")}

    def filter(self, kpis: QuerySet[Kpi], year: int, today: datetime.date) -> QuerySet[Kpi]:
        """The KPIs that pass every valid filter; the status is the one of `year`'s result on `today`."""
        values = self.values()
        if "organization" in values:
            kpis = kpis.filter(owner=values["organization"])
        if "block" in values:
            kpis = kpis.filter(Q(owner__bureau=values["block"]) | Q(owner=values["block"]))
        if "kind" in values:
            kpis = kpis.filter(kind=values["kind"])
        if "q" in values:
            kpis = kpis.filter(name__icontains=values["q"].strip())
        if "status" in values:
            kpis = figures.with_status(kpis, Status(values["status"]), year, today)
        return kpis

    @property
    def filtered(self) -> bool:
        """Whether a filter narrows the list (the plan and year only choose what is shown)."""
        return any(name not in ("plan", "year") for name in self.values())
