"""Plans, their KPIs, and the targets, actuals and written evaluations entered against them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from chizai.lib.fiscal import Half, period_label

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> PlanQuerySet:
        """Plans are public to every signed-in user (the permission chokepoint for plans)."""
        return self if user.is_authenticated else self.none()

    def numbered_or_latest(self, number: int | None) -> Plan | None:
        """The plan with this number (第N次), or the latest plan when no number is asked for."""
        plans = self.order_by("-number")
        return plans.filter(number=number).first() if number is not None else plans.first()


class Plan(models.Model):
    """An action plan (地域知財活性化行動計画), e.g. the 3rd plan for FY2023–2025 (第3次)."""

    number = models.PositiveSmallIntegerField("次", unique=True)
    name = models.CharField("名称", max_length=200)
    first_fiscal_year = models.PositiveSmallIntegerField("計画期間（開始年度）")
    last_fiscal_year = models.PositiveSmallIntegerField("計画期間（終了年度）")
    published = models.CharField("策定", max_length=100, blank=True)
    source = models.CharField("出典", max_length=300, blank=True)
    description = models.TextField("概要", blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "計画"
        verbose_name_plural = "計画"
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.name

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.first_fiscal_year, self.last_fiscal_year + 1))

    @property
    def period_label(self) -> str:
        return period_label(self.first_fiscal_year, self.last_fiscal_year)

    def snapshot(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in ("name", "first_fiscal_year", "last_fiscal_year", "published")}


class KpiKind(models.TextChoices):
    CORE = "core", "基幹指標"
    ATTACHED = "attached", "基幹指標に付随するKPI"
    MEASURE = "measure", "施策KPI"
    AGENCY_TARGET = "agency_target", "実施庁目標"
    EFFECT = "effect", "効果指標"
    REGIONAL = "regional", "地域KPI"
    REGIONAL_SUMMARY = "regional_summary", "地域KPI集計"


class Shape(models.TextChoices):
    PER_PERIOD = "per_period", "期間ごとの目標"
    CUMULATIVE = "cumulative", "期間累計"
    STOCK = "stock", "累計（時点の総数）"
    RATIO = "ratio", "割合（しきい値）"
    BASELINE_TARGET = "baseline_target", "基準値→目標値"
    QUALITATIVE = "qualitative", "定性目標"


class PeriodBasis(models.TextChoices):
    FISCAL_YEAR = "fiscal_year", "年度"
    CALENDAR_YEAR = "calendar_year", "年"


class Direction(models.TextChoices):
    HIGHER = "higher", "多いほど良い（以上）"
    LOWER = "lower", "少ないほど良い（以下）"


FLOW_SHAPES = (Shape.PER_PERIOD, Shape.CUMULATIVE)

# What a KPI's pages show with it (`with_values`): its relations, and the rows achievement is computed from.
RELATED = ("plan", "owner", "owner__bureau", "parent")
VALUES = ("targets", "actuals", "evaluations")


class KpiQuerySet(models.QuerySet["Kpi"]):
    def for_plan(self, plan: Plan) -> KpiQuerySet:
        return self.filter(plan=plan)

    def with_values(self) -> KpiQuerySet:
        """Everything achievement needs, in a fixed number of queries whatever the number of KPIs."""
        return self.select_related(*RELATED).prefetch_related(*VALUES)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> KpiQuerySet:
        """KPIs the user may see (the permission chokepoint for KPIs)."""
        from chizai.organizations.permissions import scope_filter

        if not user.is_authenticated:
            return self.none()
        return self.filter(scope_filter(user, field="owner"))

    def regional(self) -> KpiQuerySet:
        return self.filter(kind=KpiKind.REGIONAL)


class Kpi(models.Model):
    """A KPI or effect indicator of a plan (KPI・効果指標): what is counted, by whom, in which shape.

    The shape says how targets and actuals are read: a target per fiscal or calendar year, a target
    over a range of years (累計), a stock to date, a percentage with a threshold, a baseline → target,
    or a qualitative aim with no number. `parent` makes the KPI a subset of another
    (e.g. 地域掘り起こし型 within the core indicator), and a subset never exceeds its parent.
    """

    plan = models.ForeignKey(Plan, verbose_name="計画", on_delete=models.CASCADE, related_name="kpis")
    code = models.SlugField("コード", max_length=64)
    numbering = models.CharField("番号", max_length=20, blank=True)
    sort_order = models.PositiveIntegerField("表示順", default=0)
    kind = models.CharField("種類", max_length=20, choices=KpiKind.choices)
    name = models.TextField("指標")
    description = models.TextField("定義・補足", blank=True)
    owner = models.ForeignKey(
        "organizations.Organization", verbose_name="関係主体", on_delete=models.PROTECT, related_name="kpis"
    )
    unit = models.CharField("単位", max_length=10)
    period_basis = models.CharField(
        "期間の単位", max_length=20, choices=PeriodBasis.choices, default=PeriodBasis.FISCAL_YEAR
    )
    shape = models.CharField("型", max_length=20, choices=Shape.choices, default=Shape.PER_PERIOD)
    direction = models.CharField("方向", max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    parent = models.ForeignKey(
        "self",
        verbose_name="内数の元となるKPI",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsets",
    )
    decimals = models.PositiveSmallIntegerField("達成率の小数桁数", default=0)
    baseline_value = models.DecimalField("基準値", max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField("基準年（年度）", null=True, blank=True)
    measurable = models.BooleanField(
        "計画期間内に数値で測定できる", default=True, help_text="測定できない指標は定性的に評価します（評価不能）。"
    )
    target_source = models.CharField("目標の出典", max_length=200, blank=True)
    counting_rule = models.CharField(
        "案件からの集計ルール",
        max_length=40,
        blank=True,
        help_text="設定すると、実績はハンズオン支援案件またはアンケートの回答から自動で集計されます。",
    )
    version = models.PositiveIntegerField("版", default=1)

    objects = KpiQuerySet.as_manager()

    class Meta:
        verbose_name = "KPI"
        verbose_name_plural = "KPI"
        ordering = ["plan", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_kpi_code_per_plan")]

    def __str__(self) -> str:
        return self.short_name

    @property
    def short_name(self) -> str:
        first_line = self.name.splitlines()[0] if self.name else ""
        return first_line if len(first_line) <= 60 else first_line[:59] + "…"

    @property
    def is_calendar_year(self) -> bool:
        return self.period_basis == PeriodBasis.CALENDAR_YEAR

    @property
    def is_flow(self) -> bool:
        """Whether half-year figures add up to the year (件数 during the period) rather than a level."""
        return self.shape in FLOW_SHAPES

    @property
    def lower_is_better(self) -> bool:
        return self.direction == Direction.LOWER

    def label_period(self, start: int, end: int) -> str:
        return period_label(start, end, calendar=self.is_calendar_year)

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "自分自身を内数の元にはできません。"})
        if self.parent and self.parent.unit != self.unit:
            raise ValidationError({"parent": "内数の元となるKPIと単位が異なります。"})
        if self.shape == Shape.BASELINE_TARGET and self.baseline_value is None:
            raise ValidationError({"baseline_value": "基準値→目標値の指標には基準値が必要です。"})

    def snapshot(self) -> dict[str, Any]:
        fields = ("name", "kind", "unit", "shape", "direction", "period_basis", "decimals")
        data = {f: getattr(self, f) for f in fields}
        data.update(
            owner=self.owner.code,
            parent=self.parent.code if self.parent else None,
            baseline_value=self.baseline_value,
            baseline_year=self.baseline_year,
            measurable=self.measurable,
            counting_rule=self.counting_rule,
        )
        return data


class PeriodQuerySet(models.QuerySet[Any]):
    def covering(self, start: int, end: int) -> PeriodQuerySet:
        return self.filter(start_year=start, end_year=end)

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> PeriodQuerySet:
        """Targets, actuals and evaluations of the KPIs the user may see (their permission chokepoint)."""
        from chizai.organizations.permissions import scope_filter

        if not user.is_authenticated:
            return self.none()
        return self.filter(scope_filter(user, field="kpi__owner"))


class PeriodMixin(models.Model):
    """A period of one year (start = end) or a range of years (累計), in the KPI's period basis."""

    start_year = models.PositiveSmallIntegerField("開始年（年度）")
    end_year = models.PositiveSmallIntegerField("終了年（年度）")

    class Meta:
        abstract = True

    @property
    def is_range(self) -> bool:
        return self.start_year != self.end_year

    def clean_period(self) -> None:
        if self.end_year < self.start_year:
            raise ValidationError({"end_year": "終了年は開始年以降にしてください。"})


class Target(PeriodMixin):
    """A target (目標) of a KPI for a year or a range of years; for ratios, the threshold (以上)."""

    kpi = models.ForeignKey(Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="targets")
    value = models.DecimalField("目標値", max_digits=14, decimal_places=2)
    note = models.CharField("注記", max_length=200, blank=True)
    from_plan_file = models.BooleanField("計画ファイル由来", default=False)
    version = models.PositiveIntegerField("版", default=1)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "目標"
        verbose_name_plural = "目標"
        ordering = ["kpi", "start_year", "end_year"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "start_year", "end_year"], name="unique_target_period"),
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="target_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.short_name} 目標 {self.kpi.label_period(self.start_year, self.end_year)}"

    def snapshot(self) -> dict[str, Any]:
        return {"value": self.value, "note": self.note}


class ActualSource(models.TextChoices):
    PLAN = "plan", "計画文書"
    ENTERED = "entered", "画面入力"
    IMPORTED = "imported", "取込"
    COMPUTED = "computed", "記録から集計"
    SURVEY = "survey", "調査回答から集計"
    DEMO = "demo", "デモ（架空）"


COUNTED_SOURCES = (ActualSource.COMPUTED, ActualSource.SURVEY)
"""Sources of figures counted by a rule (`Kpi.counting_rule`), from cases or survey answers: never typed in."""


class HalfChoice(models.TextChoices):
    FULL = "FY", "通期"
    FIRST = Half.FIRST.value, "上期"
    SECOND = Half.SECOND.value, "下期"


HALF_SUFFIXES: dict[str, str] = {value: str(label) for value, label in HalfChoice.choices}
HALF_SUFFIXES[HalfChoice.FULL] = ""
"""What a period's label adds for its half (`get_half_display`, nothing for 通期)."""


def _half_suffix(half: str) -> str:
    return HALF_SUFFIXES.get(half, half)


def actual_figure(value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """The figure compared with the target: the value, or the percentage from numerator / denominator."""
    if numerator is not None and denominator:
        from chizai.lib.numbers import ratio_percent

        return ratio_percent(numerator, denominator, decimals=1)
    return value


class Actual(PeriodMixin):
    """An actual (実績) of a KPI for a year, a half year (上期/下期) or a range of years.

    For flow KPIs a half-year figure is what happened in that half; for stocks and ratios it is the level
    at the end of the half. A ratio may be entered as numerator and denominator, from which the
    percentage is computed. `source` records where the figure came from.
    """

    kpi = models.ForeignKey(Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="actuals")
    half = models.CharField("半期", max_length=2, choices=HalfChoice.choices, default=HalfChoice.FULL)
    value = models.DecimalField("実績値", max_digits=14, decimal_places=2, null=True, blank=True)
    numerator = models.DecimalField("該当数（分子）", max_digits=14, decimal_places=2, null=True, blank=True)
    denominator = models.DecimalField("対象数（分母）", max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField("出所", max_length=10, choices=ActualSource.choices, default=ActualSource.ENTERED)
    source_note = models.CharField("出所の補足", max_length=200, blank=True)
    version = models.PositiveIntegerField("版", default=1)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "実績"
        verbose_name_plural = "実績"
        ordering = ["kpi", "start_year", "end_year", "half"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "start_year", "end_year", "half"], name="unique_actual_period"),
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="actual_period_order"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | (Q(numerator__isnull=False) & Q(denominator__isnull=False)),
                name="actual_has_a_figure",
            ),
        ]

    # What the audit log records of an actual (`snapshot`), in this order.
    SNAPSHOT_FIELDS: ClassVar[tuple[str, ...]] = ("value", "numerator", "denominator", "source", "source_note")

    def __str__(self) -> str:
        return self.describe(self.kpi, self.start_year, self.end_year, self.half)

    @staticmethod
    def describe(kpi: Kpi, start_year: int, end_year: int, half: str) -> str:
        """`str()` of the actual of this KPI and period (for a row a bulk writer never makes an instance of)."""
        return f"{kpi.short_name} 実績 {kpi.label_period(start_year, end_year)}{_half_suffix(half)}"

    @property
    def figure(self) -> Decimal | None:
        """The figure compared with the target: the value, or the percentage from numerator / denominator."""
        return actual_figure(self.value, self.numerator, self.denominator)

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SNAPSHOT_FIELDS}


class Evaluation(PeriodMixin):
    """A written evaluation (評価・所見) of a KPI for a period: what the numbers cannot say."""

    kpi = models.ForeignKey(Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="evaluations")
    half = models.CharField("半期", max_length=2, choices=HalfChoice.choices, default=HalfChoice.FULL)
    text = models.TextField("評価")
    from_plan_file = models.BooleanField("計画ファイル由来", default=False)
    version = models.PositiveIntegerField("版", default=1)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "評価"
        verbose_name_plural = "評価"
        ordering = ["kpi", "start_year", "end_year", "half"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "start_year", "end_year", "half"], name="unique_evaluation_period"),
        ]

    SNAPSHOT_FIELDS: ClassVar[tuple[str, ...]] = ("text",)

    def __str__(self) -> str:
        return self.describe(self.kpi, self.start_year, self.end_year, self.half)

    @staticmethod
    def describe(kpi: Kpi, start_year: int, end_year: int, half: str) -> str:
        """`str()` of the evaluation of this KPI and period (see `Actual.describe`)."""
        return f"{kpi.short_name} 評価 {kpi.label_period(start_year, end_year)}"

    @property
    def label(self) -> str:
        half = "" if self.half == HalfChoice.FULL else self.get_half_display()
        return self.kpi.label_period(self.start_year, self.end_year) + half

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SNAPSHOT_FIELDS}


class DemoDataset(models.Model):
    """Marks that synthetic demo data (架空のデモデータ) was loaded, so every page can say so."""

    loaded_at = models.DateTimeField("読込日時", auto_now_add=True)
    description = models.CharField("内容", max_length=200)

    class Meta:
        verbose_name = "デモデータ"
        verbose_name_plural = "デモデータ"

    def __str__(self) -> str:
        return self.description

    @classmethod
    def is_loaded(cls) -> bool:
        return cls.objects.exists()


class RevisionStatus(models.TextChoices):
    PROPOSED = "proposed", "提案中（地域連絡会議で報告予定）"
    REPORTED = "reported", "報告済み・適用"
    WITHDRAWN = "withdrawn", "取下げ"


class KpiRevision(models.Model):
    """A revision of a KPI (KPIの見直し・改定), e.g. when a prefecture's industrial vision changes.

    A prefecture proposes it; it takes effect from `effective_year` once reported (a regional KPI at its
    block's liaison meeting, a central KPI to every body). Years before keep the old wording and targets,
    which stay here (`old_*`) so pages can say 「令和6年度に目標改定（旧: 30件）」.
    """

    kpi = models.ForeignKey(Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="revisions")
    effective_year = models.PositiveSmallIntegerField("適用開始年度")
    status = models.CharField(
        "状態", max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PROPOSED, db_index=True
    )
    old_name = models.TextField("旧指標名")
    new_name = models.TextField("新指標名")
    old_baseline_value = models.DecimalField("旧基準値", max_digits=14, decimal_places=2, null=True, blank=True)
    new_baseline_value = models.DecimalField("新基準値", max_digits=14, decimal_places=2, null=True, blank=True)
    target_changes = models.JSONField("目標の変更", default=dict, help_text='{"2024": ["30", "40"]}: 年度ごとの旧→新')
    vision_change = models.TextField("見直しの理由（産業振興ビジョンの改定等）")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提案者", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField("提案日時", auto_now_add=True)
    reported_at = models.DateTimeField("報告日時", null=True, blank=True)
    meeting = models.ForeignKey(
        "meetings.LiaisonMeeting",
        verbose_name="報告した地域連絡会議",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )

    class Meta:
        verbose_name = "KPIの見直し"
        verbose_name_plural = "KPIの見直し"
        ordering = ["kpi", "effective_year", "pk"]

    def __str__(self) -> str:
        return f"{self.kpi.short_name} {self.effective_year}年度から見直し"

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "effective_year": self.effective_year,
            "new_name": self.new_name,
            "new_baseline_value": self.new_baseline_value,
            "target_changes": self.target_changes,
            "vision_change": self.vision_change,
        }


class Notice(models.Model):
    """A notice every organisation sees (お知らせ), e.g. that a central KPI was revised."""

    title = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    revision = models.ForeignKey(
        KpiRevision,
        verbose_name="関連する見直し",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    published_at = models.DateTimeField("掲載日時", auto_now_add=True)

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class FigureView(models.TextChoices):
    YEAR = "year", "期間の結果"
    FIRST_HALF = "first_half", "上期時点の結果"
    COMPUTED = "computed", "集計済みの印"


class KpiFigure(models.Model):
    """A stored figure of a KPI (集計値): its result for one period as `chizai.kpis.achievement` computes it.

    Derived data, never entered: the spine's writers (`chizai.kpis.actions`) recompute a KPI's figures in the same
    transaction as any write to its targets, actuals or definition (`chizai.kpis.figures.refresh`), so pages read
    the figures instead of recomputing every KPI. Only what does not depend on the day is stored; the status
    (進行中 until the period ends) is derived when read. `chizai verify_figures` compares them with the raw rows.

    Views: `year` rows are the KPI's results period by period (`achievement.results`, in `position` order);
    `first_half` rows are a year as its 上期 self-evaluation reports it (`achievement.first_half_result`); the one
    `computed` row marks that the KPI's figures were computed at all.
    """

    kpi = models.ForeignKey(Kpi, verbose_name="KPI", on_delete=models.CASCADE, related_name="figures")
    view = models.CharField("種別", max_length=10, choices=FigureView.choices)
    position = models.PositiveSmallIntegerField("順序", default=0)
    start_year = models.PositiveSmallIntegerField("開始年（年度）", default=0)
    end_year = models.PositiveSmallIntegerField("終了年（年度）", default=0)
    label = models.CharField("期間", max_length=40, blank=True)
    target = models.DecimalField("目標値", max_digits=18, decimal_places=2, null=True)
    target_note = models.CharField("注記", max_length=200, blank=True)
    actual = models.DecimalField("実績値", max_digits=18, decimal_places=2, null=True)
    first_half = models.DecimalField("上期", max_digits=18, decimal_places=2, null=True)
    second_half = models.DecimalField("下期", max_digits=18, decimal_places=2, null=True)
    complete = models.BooleanField("通期の実績", default=False)
    achievement = models.DecimalField("達成率", max_digits=24, decimal_places=6, null=True)
    first_half_achievement = models.DecimalField("上期の達成率", max_digits=24, decimal_places=6, null=True)
    forecast = models.DecimalField("見込み", max_digits=24, decimal_places=6, null=True)
    forecast_achievement = models.DecimalField("見込みの達成率", max_digits=24, decimal_places=6, null=True)
    progress = models.DecimalField("進捗率", max_digits=24, decimal_places=6, null=True)
    fixed_status = models.CharField("固定の状況", max_length=20, blank=True)
    met = models.BooleanField("期間終了後に達成", default=False)
    period_end = models.DateField("期間の終了日", null=True)
    for_year = models.BooleanField("その年の結果", default=False)

    class Meta:
        verbose_name = "KPIの集計値"
        verbose_name_plural = "KPIの集計値"
        ordering = ["kpi", "view", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "view", "position"], name="unique_kpi_figure"),
        ]
        indexes = [models.Index(fields=["view", "end_year", "for_year"], name="kpi_figure_year")]

    def __str__(self) -> str:
        return f"{self.kpi_id} {self.view} {self.label}"
