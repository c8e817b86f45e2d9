"""Surveys (アンケート): questionnaires, their questions, invitations and the answers they bring back.

A questionnaire is versioned: once sent it is frozen, and a change makes a new version; every answer says which
version was answered. An invitation carries a random token the invitee opens without logging in; only the token's
SHA-256 is stored. An answer is linked to its case (a follow-up survey of a supported company) or, when the
questionnaire is anonymous, to nothing that leads back to the case or the invitation (the link is cut, as
LimeSurvey's anonymised responses are).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from chizai.organizations.permissions import is_jpo_writer, organizations_where, sees_everything

if TYPE_CHECKING:
    from chizai.organizations.types import AnyUser

TITLE_MAX_LENGTH = 200
QUESTION_MAX_LENGTH = 500
TEXT_ANSWER_MAX_LENGTH = 4000
CHOICE_MAX_LENGTH = 100


class Audience(models.TextChoices):
    COMPANY = "company", "支援企業（フォローアップ調査）"
    MUNICIPALITY = "municipality", "自治体（地域KPIに関するアンケート）"


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    SENT = "sent", "送付済み（凍結）"


class QuestionnaireQuerySet(models.QuerySet["Questionnaire"]):
    def visible_to(self, user: AnyUser) -> QuestionnaireQuerySet:
        """Questionnaires are JPO's: JPO sees all; others see the sent ones (their results are shared)."""
        if not user.is_authenticated:
            return self.none()
        if sees_everything(user) or is_jpo_writer(user):
            return self.all()
        return self.filter(status=QuestionnaireStatus.SENT)


class Questionnaire(models.Model):
    """A questionnaire (調査票) in one version; `code` names it across versions."""

    code = models.SlugField("識別子", max_length=50)
    version = models.PositiveSmallIntegerField("版", default=1)
    title = models.CharField("題名", max_length=TITLE_MAX_LENGTH)
    introduction = models.TextField("前書き", blank=True)
    audience = models.CharField("対象", max_length=20, choices=Audience.choices)
    anonymous = models.BooleanField(
        "匿名", default=False, help_text="回答と事例・招待の対応を残しません（回答後の修正はできません）。"
    )
    status = models.CharField("状態", max_length=10, choices=QuestionnaireStatus.choices, default="draft")
    sent_at = models.DateTimeField("送付日時", null=True, blank=True)
    is_demo = models.BooleanField("デモデータ", default=False)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = "調査票"
        verbose_name_plural = "調査票"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_questionnaire_version")]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"

    @property
    def frozen(self) -> bool:
        return self.status == QuestionnaireStatus.SENT


class QuestionKind(models.TextChoices):
    SINGLE = "single", "単一選択"
    MULTIPLE = "multiple", "複数選択"
    SCALE = "scale", "5段階評価"
    NUMBER = "number", "数値"
    TEXT = "text", "自由記述"


SCALE_LABELS = ("1 とてもそう思わない", "2 そう思わない", "3 どちらともいえない", "4 そう思う", "5 とてもそう思う")


class Question(models.Model):
    """A question of one questionnaire version; `key` stays the same across versions so results line up."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField("識別子", max_length=50)
    position = models.PositiveSmallIntegerField("順番")
    text = models.CharField("設問", max_length=QUESTION_MAX_LENGTH)
    help_text = models.CharField("補足", max_length=QUESTION_MAX_LENGTH, blank=True)
    kind = models.CharField("形式", max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField("必須", default=True)
    choices = models.JSONField("選択肢", default=list, blank=True)
    show_if_key = models.SlugField("表示条件の設問", max_length=50, blank=True)
    show_if_value = models.CharField("表示条件の回答", max_length=CHOICE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = "設問"
        verbose_name_plural = "設問"
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="unique_question_key"),
            models.UniqueConstraint(fields=["questionnaire", "position"], name="unique_question_position"),
        ]

    def __str__(self) -> str:
        return f"問{self.position} {self.text}"

    @property
    def options(self) -> list[str]:
        """The answers one may pick: the choices, or the five points of a scale."""
        if self.kind == QuestionKind.SCALE:
            return [str(n) for n in range(1, 6)]
        return [str(c) for c in self.choices]

    @property
    def labelled_options(self) -> list[tuple[str, str]]:
        """(value, label) of each option; a scale's points carry their words."""
        if self.kind == QuestionKind.SCALE:
            return list(zip(self.options, SCALE_LABELS, strict=True))
        return [(option, option) for option in self.options]


def _case_or_own_body(user: AnyUser) -> Q:
    """What of an invitation or answer a user may see: those of the cases the user sees, and the user's own
    bodies' (the municipality survey); JPO everything, an anonymous visitor nothing."""
    from chizai.cases.models import SupportCase

    if not user.is_authenticated:
        return Q(pk__in=[])
    if sees_everything(user):
        return Q()
    cases = SupportCase.objects.visible_to(user).values("pk")
    return Q(case__in=cases) | Q(organization_id__in=[o.pk for o in organizations_where(user)])


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def visible_to(self, user: AnyUser) -> InvitationQuerySet:
        """JPO sees every invitation; a body sees those of the cases it supports and its own municipal ones."""
        return self.filter(_case_or_own_body(user))


class Invitation(models.Model):
    """An invitation to answer (回答依頼): one per case or per prefecture and questionnaire version.

    Its links (`InvitationLink`) carry random tokens shown once, in the e-mails; only their SHA-256 is stored.
    One answer per invitation, which may be changed until the invitation closes (not for an anonymous
    questionnaire: its answers cannot be found again).
    """

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="invitations")
    case = models.ForeignKey(
        "cases.SupportCase", verbose_name="支援事例", null=True, blank=True, on_delete=models.CASCADE
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="回答団体", null=True, blank=True, on_delete=models.CASCADE
    )
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    email = models.EmailField("送付先", blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    sent_at = models.DateTimeField("送付日時", null=True, blank=True)
    expires_at = models.DateTimeField("回答期限")
    last_reminded_on = models.DateField("最終督促日", null=True, blank=True)
    reminders = models.PositiveSmallIntegerField("督促回数", default=0)
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)
    closed_at = models.DateTimeField("締切日時", null=True, blank=True)
    is_demo = models.BooleanField("デモデータ", default=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "回答依頼"
        verbose_name_plural = "回答依頼"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(organization__isnull=False), name="invitation_has_addressee"
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "organization", "fiscal_year"],
                condition=Q(organization__isnull=False),
                name="one_municipal_invitation_a_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.title} 回答依頼 #{self.pk}"


class InvitationLink(models.Model):
    """A link sent for an invitation: the first e-mail's and each reminder's (a reminder cannot resend the first
    link, whose token is not kept). Any of them opens the invitation until it closes or expires."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField("トークンのハッシュ", max_length=64, unique=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "回答用リンク"
        verbose_name_plural = "回答用リンク"

    def __str__(self) -> str:
        return f"{self.invitation} のリンク"


class Channel(models.TextChoices):
    WEB = "web", "ウェブ回答"
    PAPER = "paper", "紙の回答を入力"
    PHONE = "phone", "電話で聴取して入力"


class ResponseQuerySet(models.QuerySet["Response"]):
    def visible_to(self, user: AnyUser) -> ResponseQuerySet:
        """JPO sees every answer; a body the answers of the cases it sees in full and its own municipal ones.

        An anonymous answer belongs to no case: only JPO sees it (in results, never beside a case).
        """
        return self.filter(_case_or_own_body(user))


class Response(models.Model):
    """One answer to a questionnaire version (回答), from the web page or typed in from paper or a call."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    case = models.ForeignKey(
        "cases.SupportCase", verbose_name="支援事例", null=True, blank=True, on_delete=models.SET_NULL
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name="回答団体", null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept on an anonymous answer too, so results can still be split by them (never enough to find the case).
    block = models.ForeignKey(
        "organizations.Organization",
        verbose_name="ブロック",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    channel = models.CharField("回答方法", max_length=10, choices=Channel.choices, default=Channel.WEB)
    entered_by = models.ForeignKey(
        "auth.User", verbose_name="入力者", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("回答日時")
    version = models.PositiveIntegerField("版", default=1)
    is_demo = models.BooleanField("デモデータ", default=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = "回答"
        verbose_name_plural = "回答"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # 自治体アンケート: one answer per prefecture a fiscal year (actions say so in Japanese first).
            models.UniqueConstraint(
                fields=["questionnaire", "organization", "fiscal_year"],
                condition=Q(organization__isnull=False),
                name="one_municipal_answer_a_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.title} 回答 #{self.pk}"


class Answer(models.Model):
    """The answer to one question: `value` is a string, a list of strings (multiple choice) or a number."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField("回答")

    class Meta:
        verbose_name = "設問の回答"
        verbose_name_plural = "設問の回答"
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_a_question")]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"
