"""Hands-on support (ハンズオン支援) of companies: companies, support cases through the accompanying-support
model (伴走支援, plan fig. 7), expert support, and model cases (モデル事例) published from closed cases."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from chizai.lib.dates import OUT_OF_RANGE_MESSAGE, is_displayable
from chizai.organizations.permissions import organizations_where, sees_everything

if TYPE_CHECKING:
    from chizai.organizations.types import AnyUser


def validate_displayable_date(value: datetime.date) -> None:
    """Every date the system accepts is one it can show (西暦, 和暦 and 年度): see `chizai.lib.dates`."""
    if not is_displayable(value):
        raise ValidationError(OUT_OF_RANGE_MESSAGE, code="date_out_of_range")


@deconstructible
class TextLimit(MaxLengthValidator):
    """A free text's length limit, with the message in Japanese (and the count, so the user can trim it)."""

    def __init__(self, limit_value: int) -> None:
        super().__init__(limit_value, message=f"{limit_value:,}文字以内で入力してください（現在%(show_value)s文字）。")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextLimit) and self.limit_value == other.limit_value

    def __hash__(self) -> int:
        return hash(self.limit_value)


# The longest free text each field accepts: generous for real notes, bounded so that no page, export or
# audit entry ever holds an unbounded copy (1 MB hearing notes were once accepted).
HEARING_NOTES_LIMIT = 10_000
RECORD_TEXT_LIMIT = 5_000
NOTE_LIMIT = 2_000
ISSUE_LIMIT = 1_000
MODEL_CASE_SUMMARY_LIMIT = 5_000


class SmeCategory(models.TextChoices):
    """Industry groups of the SME Basic Act (中小企業基本法 第2条), each with its own thresholds."""

    MANUFACTURING = "manufacturing", "製造業・建設業・運輸業その他"
    WHOLESALE = "wholesale", "卸売業"
    SERVICE = "service", "サービス業"
    RETAIL = "retail", "小売業"


# (capital in yen, employees): a company is an SME when EITHER is at or below its group's threshold.
SME_THRESHOLDS: dict[str, tuple[Decimal, int]] = {
    SmeCategory.MANUFACTURING: (Decimal(300_000_000), 300),
    SmeCategory.WHOLESALE: (Decimal(100_000_000), 100),
    SmeCategory.SERVICE: (Decimal(50_000_000), 100),
    SmeCategory.RETAIL: (Decimal(50_000_000), 50),
}


class CompanyTag(models.Model):
    """A label for the kinds of company the plan targets: 地域未来牽引企業, Go-Tech採択, スタートアップ, 変革期 …"""

    name = models.CharField("名称", max_length=50, unique=True)

    class Meta:
        verbose_name = "企業の区分"
        verbose_name_plural = "企業の区分"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _own_organization_ids(user: AnyUser) -> list[int]:
    return [organization.pk for organization in organizations_where(user)]


class CompanyQuerySet(models.QuerySet["Company"]):
    def visible_to(self, user: AnyUser) -> CompanyQuerySet:
        """Companies registered by the user's organisations and those of the cases the user sees in full.

        A company another body registered stays invisible, even by its corporate number: a number typed on
        the referral form that only someone else registered behaves exactly as an unknown number.
        """
        if sees_everything(user):
            return self.all()
        own = _own_organization_ids(user)
        if not own:
            return self.none()
        supported = SupportCase.objects.filter(support_team_id__in=own).values("company_id")
        return self.filter(Q(registered_by_id__in=own) | Q(pk__in=supported))


class Company(models.Model):
    """A company (企業) that receives hands-on support, keyed by its 13-digit corporate number (法人番号).

    Each body keeps its own record of a company (one per corporate number and registering body): a body
    never learns from the system whether another body has registered the same company, nor its details.
    """

    corporate_number = models.CharField("法人番号", max_length=13, db_index=True)
    name = models.CharField("名称", max_length=200)
    prefecture = models.ForeignKey(
        "organizations.Organization",
        verbose_name="所在都道府県",
        on_delete=models.PROTECT,
        related_name="companies",
        limit_choices_to={"kind": "prefecture"},
    )
    industry = models.CharField("業種", max_length=100)
    sme_category = models.CharField("中小企業基本法の業種区分", max_length=20, choices=SmeCategory.choices)
    employees = models.PositiveIntegerField("従業員数", null=True, blank=True)
    capital = models.DecimalField("資本金（円）", max_digits=16, decimal_places=0, null=True, blank=True)
    tags = models.ManyToManyField(CompanyTag, verbose_name="区分", blank=True, related_name="companies")
    registered_by = models.ForeignKey(
        "organizations.Organization",
        verbose_name="登録した関係主体",
        on_delete=models.PROTECT,
        related_name="registered_companies",
    )
    is_demo = models.BooleanField("デモ（架空）", default=False)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = "企業"
        verbose_name_plural = "企業"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["registered_by", "corporate_number"], name="cases_company_number_unique_per_body"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sme(self) -> bool | None:
        """中小企業者 under the SME Basic Act: capital OR employees at or below the group's threshold.

        None when neither figure is known.
        """
        capital_limit, employee_limit = SME_THRESHOLDS[SmeCategory(self.sme_category)]
        if self.capital is None and self.employees is None:
            return None
        return (self.capital is not None and self.capital <= capital_limit) or (
            self.employees is not None and self.employees <= employee_limit
        )


class Origin(models.TextChoices):
    PUSH = "push", "特許庁から直接（プッシュ型）"
    REGIONAL = "regional", "地域掘り起こし型（自治体・支援機関の紹介）"


class Stage(models.TextChoices):
    """The accompanying-support model (経営力再構築伴走支援モデル, plan fig. 7), in order."""

    REFERRAL = "referral", "紹介・掘り起こし"
    HEARING = "hearing", "ヒアリング"
    ISSUE_EXTRACTION = "issue_extraction", "課題抽出"
    AGREED = "agreed", "課題の共有・合意（腹落ち）"
    EXPERT_SUPPORT = "expert_support", "専門家派遣・加速的支援"
    ACTIONS = "actions", "具体的なアクション"
    FOLLOW_UP = "follow_up", "フォローアップ"
    CLOSED = "closed", "終了"


STAGE_ORDER = list(Stage.values)
# Expert support happens only "where needed": a case may go from 合意 straight to アクション.
ALLOWED_STAGE_MOVES: dict[str, tuple[str, ...]] = {
    Stage.REFERRAL: (Stage.HEARING, Stage.CLOSED),
    Stage.HEARING: (Stage.ISSUE_EXTRACTION, Stage.CLOSED),
    Stage.ISSUE_EXTRACTION: (Stage.AGREED, Stage.HEARING, Stage.CLOSED),
    Stage.AGREED: (Stage.EXPERT_SUPPORT, Stage.ACTIONS, Stage.ISSUE_EXTRACTION, Stage.CLOSED),
    Stage.EXPERT_SUPPORT: (Stage.ACTIONS, Stage.CLOSED),
    Stage.ACTIONS: (Stage.FOLLOW_UP, Stage.CLOSED),
    Stage.FOLLOW_UP: (Stage.CLOSED,),
    Stage.CLOSED: (),
}


class SupportCaseQuerySet(models.QuerySet["SupportCase"]):
    def visible_to(self, user: AnyUser) -> SupportCaseQuerySet:
        """The cases whose page the user may open: in full (support team, JPO) or as status (the referrer)."""
        if sees_everything(user):
            return self.all()
        own = _own_organization_ids(user)
        return self.filter(Q(support_team_id__in=own) | Q(referred_by_id__in=own))

    def fully_visible_to(self, user: AnyUser) -> SupportCaseQuerySet:
        """The cases the user sees in full (notes, issues, outcomes): the support team's and, for JPO, all."""
        if sees_everything(user):
            return self.all()
        return self.filter(support_team_id__in=_own_organization_ids(user))

    def overdue(self, today: datetime.date) -> SupportCaseQuerySet:
        """Open cases whose current stage is past its due date, the longest overdue first."""
        return self.filter(stage_due_date__lt=today).exclude(stage=Stage.CLOSED).order_by("stage_due_date", "pk")


class SupportCase(models.Model):
    """A hands-on support case (ハンズオン支援案件) of one company, from referral to follow-up and closure.

    `origin` regional with `referred_by` is the 3rd plan's 地域掘り起こし型. The KPIs of the plan are
    counted from these cases (`chizai.cases.counting`).
    """

    company = models.ForeignKey(Company, verbose_name="企業", on_delete=models.PROTECT, related_name="cases")
    fiscal_year = models.PositiveSmallIntegerField("支援開始年度")
    origin = models.CharField("きっかけ", max_length=10, choices=Origin.choices)
    referred_by = models.ForeignKey(
        "organizations.Organization",
        verbose_name="紹介元",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_cases",
    )
    support_team = models.ForeignKey(
        "organizations.Organization",
        verbose_name="支援チーム",
        on_delete=models.PROTECT,
        related_name="supported_cases",
    )
    stage = models.CharField("段階", max_length=20, choices=Stage.choices, default=Stage.REFERRAL, db_index=True)
    stage_entered_at = models.DateTimeField("現段階の開始日時", validators=[validate_displayable_date])
    stage_due_date = models.DateField("現段階の期限", null=True, blank=True, validators=[validate_displayable_date])
    opened_on = models.DateField("受付日", validators=[validate_displayable_date])
    closed_on = models.DateField("終了日", null=True, blank=True, validators=[validate_displayable_date])
    # Company data like the notes: shown only to those who see the case in full; the follow-up survey goes here.
    contact_email = models.EmailField(
        "企業の連絡先メールアドレス",
        blank=True,
        help_text="フォローアップの段階に進むと、このアドレスにアンケートの回答依頼が自動で送られます。",
    )
    hearing_notes = models.TextField("ヒアリング記録", blank=True, validators=[TextLimit(HEARING_NOTES_LIMIT)])
    actions_agreed = models.TextField("合意したアクション", blank=True, validators=[TextLimit(RECORD_TEXT_LIMIT)])
    follow_up_results = models.TextField("フォローアップ結果", blank=True, validators=[TextLimit(RECORD_TEXT_LIMIT)])
    followed_up_on = models.DateField(
        "フォローアップ実施日", null=True, blank=True, validators=[validate_displayable_date]
    )
    outcome_ip_in_strategy = models.BooleanField("知財を経営戦略に位置づけた", null=True, blank=True)
    outcome_acted_on = models.BooleanField("知財の取組を実行に移した", null=True, blank=True)
    outcome_business_growth = models.BooleanField("事業成長（利益率向上・海外展開等）", null=True, blank=True)
    outcome_ip_acquired_or_used = models.BooleanField("特許等の取得・活用", null=True, blank=True)
    is_demo = models.BooleanField("デモ（架空）", default=False)
    version = models.PositiveIntegerField("版", default=1)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    objects = SupportCaseQuerySet.as_manager()

    class Meta:
        verbose_name = "ハンズオン支援案件"
        verbose_name_plural = "ハンズオン支援案件"
        ordering = ["-fiscal_year", "-opened_on", "-pk"]
        # The list's order: one page of 50,000 cases is read from the index instead of sorting them all.
        indexes = [models.Index(fields=["-fiscal_year", "-opened_on", "-id"], name="cases_list_order")]

    def __str__(self) -> str:
        return f"{self.company.name}（{self.fiscal_year}年度）"

    def can_move_to(self, stage: str) -> bool:
        return stage in ALLOWED_STAGE_MOVES[Stage(self.stage)]

    def days_in_stage(self, today: datetime.date) -> int:
        """Whole days since the case entered its current stage (0 on the day it did)."""
        return max((today - entered_on(self.stage_entered_at)).days, 0)

    def is_overdue(self, today: datetime.date) -> bool:
        return self.stage != Stage.CLOSED and self.stage_due_date is not None and self.stage_due_date < today


def entered_on(at: datetime.datetime) -> datetime.date:
    """The local day of a moment (a stage change)."""
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


class StageChange(models.Model):
    """One move of a case between stages, with when, who and the due date set for the new stage."""

    case = models.ForeignKey(SupportCase, verbose_name="案件", on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField("変更前", max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField("変更後", max_length=20, choices=Stage.choices)
    at = models.DateTimeField("日時", validators=[validate_displayable_date])
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="実行者", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField("新しい段階の期限", null=True, blank=True, validators=[validate_displayable_date])
    note = models.TextField("メモ", blank=True, validators=[TextLimit(NOTE_LIMIT)])

    class Meta:
        verbose_name = "段階の変更"
        verbose_name_plural = "段階の変更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_stage} → {self.to_stage}"


class IssueCategory(models.TextChoices):
    """Management issues of plan fig. 2, and IP issues."""

    STAFFING = "staffing", "人材確保"
    SALES = "sales", "営業・販路開拓"
    ORGANIZATION = "organization", "組織力の向上"
    PRODUCT = "product", "商品・サービスの開発・改善"
    FINANCING = "financing", "資金調達"
    RIGHTS = "rights", "権利取得"
    BRANDING = "branding", "ブランディング"
    LICENSING = "licensing", "ライセンス"
    OVERSEAS = "overseas", "海外展開"
    TRADE_SECRETS = "trade_secrets", "営業秘密"
    IP_LANDSCAPE = "ip_landscape", "IPランドスケープ"
    OTHER = "other", "その他"


class CaseIssue(models.Model):
    """An issue extracted at the hearing (抽出した課題), tagged with a category."""

    case = models.ForeignKey(SupportCase, verbose_name="案件", on_delete=models.CASCADE, related_name="issues")
    category = models.CharField("分類", max_length=20, choices=IssueCategory.choices)
    description = models.TextField("内容", validators=[TextLimit(ISSUE_LIMIT)])

    class Meta:
        verbose_name = "抽出した課題"
        verbose_name_plural = "抽出した課題"
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:30]}"


class ExpertSupportKind(models.TextChoices):
    DISPATCH = "dispatch", "INPIT専門家派遣"
    ACCELERATED = "accelerated", "加速的支援"


class ExpertSupportStatus(models.TextChoices):
    PLANNED = "planned", "予定"
    IN_PROGRESS = "in_progress", "実施中"
    DONE = "done", "完了"
    CANCELLED = "cancelled", "中止"


class ExpertSupport(models.Model):
    """An INPIT expert dispatch or accelerated support (専門家派遣・加速的支援) within a case."""

    case = models.ForeignKey(SupportCase, verbose_name="案件", on_delete=models.CASCADE, related_name="expert_supports")
    kind = models.CharField("種類", max_length=12, choices=ExpertSupportKind.choices)
    expert_type = models.CharField("専門家の種類", max_length=50, help_text="弁理士、弁護士、中小企業診断士など")
    hours = models.DecimalField("時間", max_digits=6, decimal_places=1, null=True, blank=True)
    start_date = models.DateField("開始日", null=True, blank=True, validators=[validate_displayable_date])
    end_date = models.DateField("終了日", null=True, blank=True, validators=[validate_displayable_date])
    status = models.CharField(
        "状況", max_length=12, choices=ExpertSupportStatus.choices, default=ExpertSupportStatus.PLANNED
    )

    class Meta:
        verbose_name = "専門家支援"
        verbose_name_plural = "専門家支援"
        ordering = ["case", "start_date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.expert_type}）"


class ModelCaseStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "承認待ち"
    APPROVED = "approved", "承認済み"
    PUBLISHED = "published", "公開中"
    WITHDRAWN = "withdrawn", "公開停止"


class ModelCase(models.Model):
    """A model case (モデル的な事例) written from a closed case and, once JPO approves it, published."""

    case = models.OneToOneField(SupportCase, verbose_name="案件", on_delete=models.PROTECT, related_name="model_case")
    title = models.CharField("タイトル", max_length=200)
    summary = models.TextField("概要（公開用）", validators=[TextLimit(MODEL_CASE_SUMMARY_LIMIT)])
    industry = models.CharField("業種（公開用）", max_length=100)
    region = models.ForeignKey(
        "organizations.Organization",
        verbose_name="地域（都道府県）",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "prefecture"},
    )
    issue_categories = models.JSONField("課題の分類", default=list)
    consent_recorded = models.BooleanField("企業の公開同意", default=False)
    consent_date = models.DateField("同意日", null=True, blank=True, validators=[validate_displayable_date])
    consent_note = models.CharField("同意の記録", max_length=200, blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=ModelCaseStatus.choices, default=ModelCaseStatus.DRAFT, db_index=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    search_text = models.TextField("検索用テキスト", blank=True, editable=False)
    version = models.PositiveIntegerField("版", default=1)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "モデル事例"
        verbose_name_plural = "モデル事例"
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title
