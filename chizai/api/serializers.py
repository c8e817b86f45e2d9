"""What the API reads and writes. Validation rules are the pages' (chizai.kpis.forms) wherever they exist."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chizai.api.query import QueryInteger
from chizai.cases.access import FULL
from chizai.cases.actions import RECORD_FIELDS
from chizai.cases.models import CaseIssue, Company, SmeCategory, Stage, SupportCase
from chizai.kpis.achievement import PeriodResult, Status
from chizai.kpis.forms import ActualForm, EvaluationForm, JapaneseNumberField
from chizai.kpis.models import (
    Actual,
    Direction,
    Evaluation,
    HalfChoice,
    Kpi,
    KpiKind,
    PeriodBasis,
    Plan,
    Shape,
    Target,
)
from chizai.organizations.models import Organization, OrganizationKind

# Years as the plans count them; anything else is a typing error, not a year.
MIN_YEAR, MAX_YEAR = 1900, 2200
ORGANIZATION_CODE_PATTERN = r"^[-a-zA-Z0-9_]+$"
NUMBER_HELP = '数値。文字列でも可（例: "1,234"、"１２３４"、"1234件"）。'


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        "non_field_errors" if field == "__all__" else field: [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


class StrictTypes:
    """Refuse a value of another JSON type than the schema states: DRF would turn 0 into "0", "5" into 5 and
    "true" into True, accepting requests the schema forbids. A number field (JapaneseNumber) takes both."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        wrong = self._type_errors(data) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as error:
            if not wrong or not isinstance(error.detail, dict):
                raise
            raise serializers.ValidationError({**error.detail, **wrong}) from error
        if wrong:
            raise serializers.ValidationError(wrong)
        return value

    def _type_errors(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        errors = {}
        for name, field in self.fields.items():
            value = data.get(name)
            if field.read_only or value is None or isinstance(field, JapaneseNumber):
                continue
            message = _type_error(field, value)
            if message:
                errors[name] = [message]
        return errors


def _type_error(field: serializers.Field[Any, Any, Any, Any], value: Any) -> str:
    if isinstance(field, serializers.BooleanField) and not isinstance(value, bool):
        return "true か false で指定してください。"
    integers = (serializers.IntegerField, PlanNumberField)
    if isinstance(field, integers) and (isinstance(value, bool) or not isinstance(value, int)):
        return "整数で指定してください。"
    text_fields = (serializers.CharField, serializers.ChoiceField, serializers.DateField, serializers.SlugRelatedField)
    if isinstance(field, text_fields) and not isinstance(field, PlanNumberField) and not isinstance(value, str):
        return "文字列で指定してください。"
    return ""


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "maxLength": 40}, {"type": "number"}],
        "nullable": True,
        "description": NUMBER_HELP,
        "example": "1,234",
    }
)
class JapaneseNumber(serializers.CharField):
    """A number as Japanese offices type it (chizai.kpis.forms.JapaneseNumberField); null or "" for none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_internal_value(data)
        if len(text) > 40 or "\x00" in text:
            raise serializers.ValidationError("数値を入力してください（例: 1,234）。")
        try:
            number: Decimal | None = JapaneseNumberField().clean(text)
            return number
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def to_representation(self, value: Any) -> str:
        return format(value, "f")


class CodeRelatedField(serializers.SlugRelatedField[Any]):
    """An object named by its code or number (never a NUL character: PostgreSQL refuses them)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int) or "\x00" in str(data):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 32767})
class PlanNumberField(CodeRelatedField):
    """A plan named by its number; the schema states the range itself, the same on SQLite and PostgreSQL."""


def figure(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=None, allow_null=True, read_only=True, **kwargs)


def year_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


# Plans


class PlanSerializer(StrictTypes, serializers.ModelSerializer[Plan]):
    class Meta:
        model = Plan
        fields = ["number", "name", "first_fiscal_year", "last_fiscal_year", "published", "source", "description"]
        read_only_fields = ["number", "first_fiscal_year", "last_fiscal_year", "published", "source"]
        extra_kwargs = {"name": {"allow_blank": False}}


# KPIs


class PeriodResultSerializer(serializers.Serializer[PeriodResult]):
    """The computed result of one target period: never stored, always from the current figures."""

    start_year = serializers.IntegerField()
    end_year = serializers.IntegerField()
    # A field named like Field.label: the stubs read it as that attribute, DRF as a declared field.
    label = serializers.CharField()  # type: ignore[assignment]
    target = figure()
    actual = figure()
    first_half = figure()
    second_half = figure()
    complete = serializers.BooleanField(help_text="年間（期間）の実績がそろっているか")
    achievement = figure(help_text="達成率（%）")
    progress = figure(help_text="進捗率（%、基準値→目標値の指標のみ）")
    forecast = figure(help_text="上期実績からの年度末見込み")
    forecast_achievement = figure(help_text="見込みの達成率（%）")
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in Status])
    status_label = serializers.SerializerMethodField()

    def get_status_label(self, result: PeriodResult) -> str:
        return result.status.label

    @cached_property
    def _readable(self) -> list[tuple[str, Any, bool]]:
        """The fields in order, each with whether it is a method field (worked out once per instance)."""
        return [
            (name, field, isinstance(field, serializers.SerializerMethodField))
            for name, field in self.fields.items()
            if not field.write_only
        ]

    def to_representation(self, instance: PeriodResult) -> dict[str, Any]:
        """What DRF's generic loop gives, field by field through the same fields' own conversions, without its
        per-field attribute lookup machinery (a plan's list serialises a thousand results)."""
        data: dict[str, Any] = {}
        for name, field, by_method in self._readable:
            if by_method:
                data[name] = field.to_representation(instance)
            else:
                value = getattr(instance, field.source)
                data[name] = None if value is None else field.to_representation(value)
        return data


# One instance serves every result (a serializer per KPI costs more than the figures it shows).
PERIOD_RESULT = PeriodResultSerializer()


class KpiSerializer(serializers.ModelSerializer[Kpi]):
    plan = serializers.IntegerField(source="plan.number", read_only=True)
    owner = serializers.CharField(source="owner.code", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    computed = serializers.SerializerMethodField(help_text="実績がハンズオン支援案件から自動集計される指標か")
    results = serializers.SerializerMethodField()

    class Meta:
        model = Kpi
        fields = [
            "id",
            "plan",
            "code",
            "numbering",
            "kind",
            "name",
            "description",
            "owner",
            "owner_name",
            "unit",
            "period_basis",
            "shape",
            "direction",
            "parent",
            "decimals",
            "baseline_value",
            "baseline_year",
            "measurable",
            "target_source",
            "computed",
            "version",
            "results",
        ]
        read_only_fields = fields

    def get_computed(self, kpi: Kpi) -> bool:
        return bool(kpi.counting_rule)

    @extend_schema_field(PeriodResultSerializer(many=True))
    def get_results(self, kpi: Kpi) -> list[dict[str, Any]]:
        """From the stored figures the view loaded for its page (`figures` in the context), else computed."""
        from chizai.kpis.achievement import results

        today = self.context["today"]
        stored = self.context.get("figures")
        rows = stored.results(kpi, today) if stored is not None else results(kpi, today)
        child = PERIOD_RESULT
        return [child.to_representation(row) for row in rows]


class KpiWriteSerializer(StrictTypes, serializers.ModelSerializer[Kpi]):
    """A regional KPI (地域KPI) as a prefecture defines it; the kind is always regional."""

    plan = PlanNumberField(slug_field="number", queryset=Plan.objects.all(), help_text="計画の次（例: 3）")
    owner = CodeRelatedField(
        slug_field="code",
        queryset=Organization.objects.filter(kind=OrganizationKind.PREFECTURE),
        help_text="都道府県のコード（例: pref-13）",
    )
    code = serializers.SlugField(max_length=64)
    unit = serializers.CharField(max_length=10)
    period_basis = serializers.ChoiceField(choices=PeriodBasis.choices, required=False)
    shape = serializers.ChoiceField(choices=Shape.choices, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    decimals = serializers.IntegerField(min_value=0, max_value=2, required=False)
    baseline_value = JapaneseNumber()
    baseline_year = year_field(required=False, allow_null=True)
    version = serializers.IntegerField(min_value=1, write_only=True, help_text="取得したときの版（更新時に必須）")

    class Meta:
        model = Kpi
        fields = [
            "plan",
            "code",
            "numbering",
            "name",
            "description",
            "owner",
            "unit",
            "period_basis",
            "shape",
            "direction",
            "decimals",
            "baseline_value",
            "baseline_year",
            "measurable",
            "version",
        ]
        extra_kwargs = {"name": {"max_length": 2000}, "description": {"max_length": 4000}}
        # The plan and code pair is checked in validate(), with a message that names the code.
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is None:
            self.fields.pop("version")
        else:
            # The plan and the code identify the KPI; they do not change.
            self.fields.pop("plan")
            self.fields.pop("code")
            self.fields["version"].required = True

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and Kpi.objects.filter(plan=attrs["plan"], code=attrs["code"]).exists():
            raise serializers.ValidationError({"code": ["この計画には同じコードのKPIがすでにあります。"]})
        return attrs


# Targets, actuals, evaluations


class TargetSerializer(serializers.ModelSerializer[Target]):
    class Meta:
        model = Target
        fields = ["id", "kpi", "start_year", "end_year", "value", "note", "version"]
        read_only_fields = fields


class TargetCreateSerializer(StrictTypes, serializers.Serializer[Target]):
    start_year = year_field()
    end_year = year_field()
    value = JapaneseNumber(required=True, allow_null=False, allow_blank=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_year"] < attrs["start_year"]:
            raise serializers.ValidationError({"end_year": ["終了年は開始年以降にしてください。"]})
        if attrs["value"] is None:
            raise serializers.ValidationError({"value": ["目標値を入力してください。"]})
        return attrs


class TargetUpdateSerializer(StrictTypes, serializers.Serializer[Target]):
    value = JapaneseNumber(allow_null=False, allow_blank=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, help_text="取得したときの版")


class ActualSerializer(serializers.ModelSerializer[Actual]):
    figure = figure(help_text="目標と比べる値（割合は該当数÷対象数から計算）")

    class Meta:
        model = Actual
        fields = [
            "id",
            "start_year",
            "end_year",
            "half",
            "value",
            "numerator",
            "denominator",
            "figure",
            "source",
            "source_note",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class ActualWriteSerializer(StrictTypes, serializers.Serializer[Actual]):
    """One year's (or half's) actual, checked by the entry form of the pages (ActualForm)."""

    year = serializers.IntegerField(help_text="年度（暦年の指標は年）")
    half = serializers.ChoiceField(choices=HalfChoice.choices, default=HalfChoice.FULL)
    value = JapaneseNumber(help_text="実績値。空にすると、その期間の実績を削除します。")
    numerator = JapaneseNumber(help_text="該当数（分子、割合の指標のみ）")
    denominator = JapaneseNumber(help_text="対象数（分母、割合の指標のみ）")
    version = serializers.IntegerField(min_value=0, help_text="取得したときの版（まだ無い場合は 0）")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        raw = {name: self.initial_data.get(name) for name in ("value", "numerator", "denominator")}
        data = {
            "year": attrs["year"],
            "half": attrs["half"],
            "version": attrs["version"],
            **{name: "" if value is None else value for name, value in raw.items()},
        }
        form = ActualForm(data, kpi=self.context["kpi"])
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.cleaned_data


class EvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    class Meta:
        model = Evaluation
        fields = ["id", "start_year", "end_year", "half", "text", "version", "updated_at"]
        read_only_fields = fields


class EvaluationWriteSerializer(StrictTypes, serializers.Serializer[Evaluation]):
    """A written evaluation for a year or the whole plan period, checked by the pages' EvaluationForm."""

    start_year = year_field()
    end_year = year_field()
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="空にすると評価を削除します。")
    version = serializers.IntegerField(min_value=0, help_text="取得したときの版（まだ無い場合は 0）")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        period = f"{attrs['start_year']}-{attrs['end_year']}"
        form = EvaluationForm(
            {"period": period, "text": attrs["text"], "version": attrs["version"]}, kpi=self.context["kpi"]
        )
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return {**attrs, "text": form.cleaned_data["text"]}


# Cases


class CaseIssueSerializer(serializers.ModelSerializer[CaseIssue]):
    class Meta:
        model = CaseIssue
        fields = ["category", "description"]


class CompanySerializer(serializers.ModelSerializer[Company]):
    prefecture = serializers.CharField(source="prefecture.code")

    class Meta:
        model = Company
        fields = ["corporate_number", "name", "prefecture", "industry", "sme_category", "employees", "capital"]
        # Explicit, so the schema does not depend on the database's integer range (SQLite vs PostgreSQL).
        extra_kwargs = {"employees": {"max_value": 10_000_000}}


class CaseRecordSerializer(serializers.ModelSerializer[SupportCase]):
    """What only the support team and JPO see: company details, notes, issues and outcomes."""

    company = CompanySerializer()
    issues = CaseIssueSerializer(many=True)

    class Meta:
        model = SupportCase
        # The case record as the record form edits it; its due date is shown with the stage, to everyone.
        fields = ["company", *(name for name in RECORD_FIELDS if name != "stage_due_date"), "issues"]


# One instance serves every case of a list: a serializer built per case rebuilt its fields from the model each
# time, 3/4 of the case list's CPU.
CASE_RECORD = CaseRecordSerializer()


class CaseSerializer(serializers.ModelSerializer[SupportCase]):
    """A case as the user may see it: `record` is null for a referrer, who sees the status only."""

    company_name = serializers.CharField(source="company.name")
    referred_by = serializers.CharField(source="referred_by.code", allow_null=True, default=None)
    support_team = serializers.CharField(source="support_team.code")
    stage_label = serializers.CharField(source="get_stage_display")
    access = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()

    class Meta:
        model = SupportCase
        fields = [
            "id",
            "company_name",
            "fiscal_year",
            "origin",
            "referred_by",
            "support_team",
            "stage",
            "stage_label",
            "stage_entered_at",
            "stage_due_date",
            "opened_on",
            "closed_on",
            "version",
            "access",
            "record",
        ]
        read_only_fields = fields

    @cached_property
    def _access_by_case(self) -> dict[int, str | None]:
        return {}

    def _access(self, case: SupportCase) -> str | None:
        """The user's access to the case, asked once per case (both `access` and `record` need it)."""
        from chizai.cases.access import case_access

        asked = self._access_by_case
        if case.pk not in asked:
            asked[case.pk] = case_access(self.context["request"].user, case)
        return asked[case.pk]

    @extend_schema_field(serializers.ChoiceField(choices=[("full", "全体"), ("status", "状況のみ")]))
    def get_access(self, case: SupportCase) -> str | None:
        return self._access(case)

    @extend_schema_field(CaseRecordSerializer(allow_null=True))
    def get_record(self, case: SupportCase) -> dict[str, Any] | None:
        if self._access(case) != FULL:
            return None
        record: dict[str, Any] = CASE_RECORD.to_representation(case)
        return record


class NewCompanySerializer(StrictTypes, serializers.Serializer[Company]):
    corporate_number = serializers.CharField(max_length=20, help_text="法人番号（13桁）")
    name = serializers.CharField(max_length=200)
    prefecture = CodeRelatedField(
        slug_field="code", queryset=Organization.objects.filter(kind=OrganizationKind.PREFECTURE)
    )
    industry = serializers.CharField(max_length=100)
    sme_category = serializers.ChoiceField(choices=SmeCategory.choices)
    employees = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    capital = JapaneseNumber(help_text="資本金（円）")


class CaseReferralSerializer(StrictTypes, serializers.Serializer[SupportCase]):
    """A referral (地域掘り起こし型): an existing company by id, or a new one described in `new_company`."""

    referred_by = CodeRelatedField(
        slug_field="code", queryset=Organization.objects.all(), help_text="紹介元の関係主体のコード"
    )
    company = serializers.IntegerField(min_value=1, required=False, help_text="登録済みの企業のID")
    new_company = NewCompanySerializer(required=False)
    opened_on = serializers.DateField(required=False, help_text="受付日（省略時は今日）")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("company" in attrs) == ("new_company" in attrs):
            raise serializers.ValidationError(
                "company（登録済みの企業）か new_company（新しい企業）のどちらか一方を指定してください。"
            )
        return attrs


class StageMoveSerializer(StrictTypes, serializers.Serializer[SupportCase]):
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True, help_text="新しい段階の期限")
    version = serializers.IntegerField(min_value=1, required=False, help_text="取得したときの版")


class KpiFilterSerializer(serializers.Serializer[Any]):
    plan = QueryInteger(min_value=1, max_value=32767, required=False, help_text="計画の次（例: 3）")
    # Codes are slugs: the pattern says so, and a value outside it (empty, blanks) is refused, not trimmed.
    organization = serializers.RegexField(
        ORGANIZATION_CODE_PATTERN,
        max_length=64,
        trim_whitespace=False,
        required=False,
        help_text="関係主体のコード（例: pref-13）",
        error_messages={"invalid": "関係主体のコードは半角英数字・ハイフン・下線で指定してください（例: pref-13）。"},
    )
    kind = serializers.ChoiceField(choices=KpiKind.choices, required=False)
