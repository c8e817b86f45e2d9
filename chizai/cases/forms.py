"""Forms of hands-on support: a company, a referral, the case record, a stage move, issues, expert support."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q

from chizai.cases.access import find_company_by_number
from chizai.cases.actions import RECORD_FIELDS, CompanyData
from chizai.cases.models import (
    ALLOWED_STAGE_MOVES,
    HEARING_NOTES_LIMIT,
    ISSUE_LIMIT,
    NOTE_LIMIT,
    RECORD_TEXT_LIMIT,
    Company,
    CompanyTag,
    ExpertSupport,
    ExpertSupportKind,
    IssueCategory,
    Origin,
    SmeCategory,
    Stage,
    SupportCase,
    TextLimit,
    validate_displayable_date,
)
from chizai.kpis.forms import JapaneseNumberField
from chizai.lib.corporate_number import normalize_corporate_number, validate_corporate_number
from chizai.organizations.forms import organization_filter
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.types import AnyUser

# The kinds of company the plan targets; offered on every company form, with any other tag already in use.
STANDARD_TAGS = ("地域未来牽引企業", "Go-Tech採択", "スタートアップ", "変革期")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANSWER_CHOICES = [("unknown", "未確認"), ("true", "はい"), ("false", "いいえ")]


def text_area(rows: int, limit: int) -> forms.Textarea:
    """A text box the browser already stops at the limit the model enforces."""
    return forms.Textarea(attrs={"rows": rows, "maxlength": limit})


def date_field(label: str, **kwargs: Any) -> forms.DateField:
    """A date the system can show (1900–2099): anything else is refused with a Japanese message."""
    return forms.DateField(label=label, widget=DATE_WIDGET, validators=[validate_displayable_date], **kwargs)


def tag_choices() -> list[tuple[str, str]]:
    names = list(STANDARD_TAGS) + [
        n for n in CompanyTag.objects.values_list("name", flat=True) if n not in STANDARD_TAGS
    ]
    return [(name, name) for name in names]


class CorporateNumberField(forms.CharField):
    """法人番号: full-width digits, hyphens and spaces are accepted; the check digit is verified."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "法人番号")
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", "13桁（先頭がチェックデジット）。全角数字・ハイフン入りでも入力できます。")
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "number-input"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = str(super().clean(value) or "")
        if not text:
            return text
        try:
            return validate_corporate_number(text)
        except ValueError as error:
            raise forms.ValidationError(f"{error}。", code="invalid") from error


class CountField(JapaneseNumberField):
    """A whole number of people (従業員数)."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        number = super().to_python(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise forms.ValidationError("整数で入力してください。", code="integer")
        return int(number)


class CompanyFieldsMixin(forms.Form):
    """The company's own fields, shared by the company form and the referral form."""

    corporate_number = CorporateNumberField()
    name = forms.CharField(label="企業名", max_length=200, required=False)
    prefecture = forms.ModelChoiceField(
        label="所在都道府県", queryset=Organization.objects.none(), required=False, empty_label="選択してください"
    )
    industry = forms.CharField(label="業種", max_length=100, required=False, help_text="例: 金属加工、食品製造")
    sme_category = forms.ChoiceField(
        label="中小企業基本法の業種区分",
        choices=[("", "選択してください"), *SmeCategory.choices],
        required=False,
        help_text="中小企業かどうかの判定（資本金・従業員数の基準）に使います。",
    )
    employees = CountField(label="従業員数（人）")
    capital = JapaneseNumberField(label="資本金（円）", help_text="例: 50,000,000")
    tags = forms.MultipleChoiceField(label="区分", required=False, widget=forms.CheckboxSelectMultiple)

    COMPANY_REQUIRED = ("name", "prefecture", "industry", "sme_category")

    def _setup_company_fields(self) -> None:
        self.fields["prefecture"].queryset = Organization.objects.prefectures()  # type: ignore[attr-defined]
        self.fields["tags"].choices = tag_choices()  # type: ignore[attr-defined]

    def _require_company_fields(self) -> None:
        for name in self.COMPANY_REQUIRED:
            if not self.cleaned_data.get(name) and name not in self.errors:
                self.add_error(name, f"{self.fields[name].label}を入力してください。")

    def company_data(self) -> CompanyData:
        data = self.cleaned_data
        capital: Decimal | None = data.get("capital")
        return CompanyData(
            corporate_number=data["corporate_number"],
            name=data["name"],
            prefecture=data["prefecture"],
            industry=data["industry"],
            sme_category=data["sme_category"],
            employees=data.get("employees"),
            capital=capital.quantize(Decimal(1)) if capital is not None else None,
            tags=tuple(data.get("tags") or ()),
        )


class CompanyForm(CompanyFieldsMixin):
    """Register a company (企業の登録)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_company_fields()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._require_company_fields()
        return cleaned


class ReferralForm(CompanyFieldsMixin):
    """Refer a company (企業の紹介) or, for the JPO team, open a case: the company by its corporate number.

    A company already registered is referred by its number alone; otherwise its fields are required.
    """

    origin = forms.ChoiceField(label="きっかけ", choices=Origin.choices, widget=forms.RadioSelect)
    referred_by = forms.ModelChoiceField(
        label="紹介元", queryset=Organization.objects.none(), required=False, empty_label="選択してください"
    )
    opened_on = date_field("受付日", help_text="紹介を受けた日。支援開始年度はこの日付の年度です。")
    note = forms.CharField(
        label="紹介の経緯・メモ",
        required=False,
        widget=text_area(3, NOTE_LIMIT),
        validators=[TextLimit(NOTE_LIMIT)],
        help_text="紹介した理由、企業の関心事など。支援チームだけが読めます。",
    )

    field_order = ["origin", "referred_by", "opened_on", "corporate_number"]

    def __init__(
        self,
        *args: Any,
        user: AnyUser,
        referrers: list[Organization],
        may_push: bool,
        today: datetime.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_company_fields()
        self.user = user
        self.existing: Company | None = None
        self.may_push = may_push
        self.today = today
        self.fields["opened_on"].initial = today
        if may_push:
            self.fields["origin"].initial = Origin.PUSH
            self._referrer_field().queryset = Organization.objects.exclude(kind=OrganizationKind.JPO).order_by(
                "sort_order", "jis_code", "code"
            )
            self.fields["referred_by"].help_text = "地域掘り起こし型のときに選んでください。"
        else:
            del self.fields["origin"]
            self._referrer_field().queryset = Organization.objects.filter(pk__in=[o.pk for o in referrers])
            self.fields["referred_by"].required = True
            if len(referrers) == 1:
                self.fields["referred_by"].initial = referrers[0].pk
                self.fields["referred_by"].widget = forms.HiddenInput()

    def _referrer_field(self) -> forms.ModelChoiceField[Organization]:
        field = self.fields["referred_by"]
        assert isinstance(field, forms.ModelChoiceField)
        return field

    @property
    def is_push(self) -> bool:
        return self.may_push and self.cleaned_data.get("origin") == Origin.PUSH

    def clean_opened_on(self) -> datetime.date:
        opened_on: datetime.date = self.cleaned_data["opened_on"]
        if opened_on > self.today:
            raise forms.ValidationError("受付日は今日以前の日付にしてください。")
        return opened_on

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.may_push and cleaned.get("origin") == Origin.REGIONAL and not cleaned.get("referred_by"):
            self.add_error("referred_by", "地域掘り起こし型の案件は、紹介元を選んでください。")
        number = cleaned.get("corporate_number")
        if number:
            # Only a company the user sees is referred by its number; any other number is a new company.
            self.existing = find_company_by_number(self.user, number)
        if number and self.existing is None:
            self._require_company_fields()
        return cleaned

    def company(self) -> Company | CompanyData:
        return self.existing if self.existing is not None else self.company_data()


class NullBooleanChoiceField(forms.NullBooleanField):
    widget = forms.Select(choices=ANSWER_CHOICES)


class CaseRecordForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in the stubs
    """The case record: hearing notes, agreed actions, follow-up and outcomes (成果)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = SupportCase
        fields = list(RECORD_FIELDS)
        widgets = {
            "hearing_notes": text_area(6, HEARING_NOTES_LIMIT),
            "actions_agreed": text_area(4, RECORD_TEXT_LIMIT),
            "follow_up_results": text_area(4, RECORD_TEXT_LIMIT),
            "followed_up_on": DATE_WIDGET,
            "stage_due_date": DATE_WIDGET,
        }
        field_classes = {
            "outcome_ip_in_strategy": NullBooleanChoiceField,
            "outcome_acted_on": NullBooleanChoiceField,
            "outcome_business_growth": NullBooleanChoiceField,
            "outcome_ip_acquired_or_used": NullBooleanChoiceField,
        }
        help_texts = {
            "followed_up_on": (
                "この日付の年度の効果指標（知財を経営戦略に位置づけ実行に移した企業の割合）に数えます。"
            ),
            "stage_due_date": "現在の段階を終える予定日。過ぎると「期限超過」になります。",
            "contact_email": (
                "企業のご担当者のアドレス。フォローアップの段階に進むと、フォローアップ調査の回答依頼が"
                "このアドレスに自動で送られます（一定期間後にもう一度）。"
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.stage == Stage.CLOSED:
            del self.fields["stage_due_date"]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class StageForm(forms.Form):
    """Move a case to its next stage (or back, or close it)."""

    to_stage = forms.ChoiceField(label="移る段階")
    due_date = date_field("新しい段階の期限", required=False, help_text="空欄なら標準の日数で設定します。")
    note = forms.CharField(
        label="メモ", required=False, widget=text_area(2, NOTE_LIMIT), validators=[TextLimit(NOTE_LIMIT)]
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, case: SupportCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        moves = ALLOWED_STAGE_MOVES[Stage(case.stage)]
        self.fields["to_stage"].choices = [(s, Stage(s).label) for s in moves]  # type: ignore[attr-defined]
        if moves:
            self.fields["to_stage"].initial = moves[0]
        self.fields["version"].initial = case.version


class IssueForm(forms.Form):
    category = forms.ChoiceField(label="分類", choices=IssueCategory.choices)
    description = forms.CharField(
        label="課題の内容", widget=text_area(2, ISSUE_LIMIT), validators=[TextLimit(ISSUE_LIMIT)]
    )


class ExpertSupportForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in the stubs
    class Meta:
        model = ExpertSupport
        fields = ["kind", "expert_type", "hours", "start_date", "end_date", "status"]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "選択してください"), *ExpertSupportKind.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "終了日は開始日以降の日付にしてください。")
        return cleaned


def case_years() -> list[int]:
    """The fiscal years that have cases, newest first: the choices of the year filter (one small query)."""
    years = SupportCase.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    return list(years)


class CaseFilterForm(forms.Form):
    """Filters of the case list and its export: fiscal year, stage, origin, the company's prefecture or
    regional block, and a search by company name or corporate number (partial match).

    A filter only narrows the cases the user already sees (`SupportCase.objects.visible_to`); a value that
    is not valid is ignored, the other filters still apply.
    """

    q = forms.CharField(
        label="企業名・法人番号",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "一部だけでも検索できます"}),
    )
    year = forms.TypedChoiceField(label="支援開始年度", coerce=int, required=False, empty_value=None)
    stage = forms.ChoiceField(label="段階", choices=[("", "すべて"), *Stage.choices], required=False)
    origin = forms.ChoiceField(label="きっかけ", choices=[("", "すべて"), *Origin.choices], required=False)
    block = organization_filter("地域ブロック")
    prefecture = organization_filter("企業の所在都道府県")

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "すべて"), *((y, f"{y}年度") for y in years)]  # type: ignore[attr-defined]
        block: Any = self.fields["block"]
        block.queryset = Organization.objects.bureaus()
        block.label_from_instance = lambda o: o.block_name or o.display_name
        prefecture: Any = self.fields["prefecture"]
        prefecture.queryset = Organization.objects.prefectures()
        prefecture.label_from_instance = lambda o: o.display_name

    def values(self) -> dict[str, Any]:
        """The valid, non-empty filters by field name (an invalid one is left out)."""
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if value not in (None, "")}

    def national_lookup(self) -> dict[str, Any]:
        """Filters of `SupportCase` that the national counts (shown to everyone) may apply: year, stage and
        origin. Place and company never narrow them, so the counts never tell what a user cannot open."""
        values = self.values()
        names = {"year": "fiscal_year", "stage": "stage", "origin": "origin"}
        return {names[name]: value for name, value in values.items() if name in names}

    def lookup(self) -> dict[str, Any]:
        """Every filter as keyword arguments of `SupportCase.objects.filter`."""
        values = self.values()
        lookup = self.national_lookup()
        if "prefecture" in values:
            lookup["company__prefecture"] = values["prefecture"]
        if "block" in values:
            lookup["company__prefecture__bureau"] = values["block"]
        if "q" in values:
            lookup["company__in"] = _companies_matching(values["q"])
        return lookup

    @property
    def filtered(self) -> bool:
        return bool(self.values())


def _companies_matching(text: str) -> Any:
    """Companies whose name contains the text, or whose corporate number contains it (full-width digits
    and separators allowed). A subquery, so the case list stays one query."""
    text = text.strip()
    match = Q(name__icontains=text)
    digits = normalize_corporate_number(text)
    if digits.isascii() and digits.isdigit():
        match |= Q(corporate_number__contains=digits)
    return Company.objects.filter(match).values("pk")
