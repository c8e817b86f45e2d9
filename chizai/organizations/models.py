"""The bodies that take part in the plan (関係主体) and the users who act for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from chizai.organizations.choices import OrganizationKind, Role, SupportBodyType
from chizai.organizations.permissions import scope_filter

if TYPE_CHECKING:
    from chizai.organizations.types import AnyUser

__all__ = ["Membership", "Organization", "OrganizationKind", "OrganizationQuerySet", "Role", "SupportBodyType"]


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def prefectures(self) -> OrganizationQuerySet:
        return self.filter(kind=OrganizationKind.PREFECTURE).order_by("jis_code")

    def bureaus(self) -> OrganizationQuerySet:
        return self.filter(kind=OrganizationKind.BUREAU).order_by("sort_order")

    def in_block(self, bureau: Organization) -> OrganizationQuerySet:
        """The bureau itself and every body in its regional block."""
        return self.filter(Q(pk=bureau.pk) | Q(bureau=bureau))

    def visible_to(self, user: AnyUser) -> OrganizationQuerySet:
        """Organisations whose data the user may see (the permission chokepoint for organisations)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(scope_filter(user, field="")).distinct()


class Organization(models.Model):
    """A body of the plan (関係主体): JPO, INPIT and its windows, a bureau, a prefecture or a support body.

    `bureau` places a regional body in its regional block (地域ブロック), whose bureau reviews it;
    `prefecture` places a window or support body in its prefecture.
    """

    code = models.SlugField("コード", max_length=64, unique=True)
    kind = models.CharField("種別", max_length=20, choices=OrganizationKind.choices)
    name = models.CharField("名称", max_length=200)
    short_name = models.CharField("略称", max_length=100, blank=True)
    jis_code = models.CharField("都道府県コード（JIS）", max_length=2, blank=True)
    support_body_type = models.CharField("支援機関の種類", max_length=30, choices=SupportBodyType.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上位組織",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    bureau = models.ForeignKey(
        "self",
        verbose_name="地域ブロック（所管局）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="block_members",
        limit_choices_to={"kind": OrganizationKind.BUREAU},
    )
    prefecture = models.ForeignKey(
        "self",
        verbose_name="所在都道府県",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="located_bodies",
        limit_choices_to={"kind": OrganizationKind.PREFECTURE},
    )
    block_name = models.CharField("ブロック名", max_length=20, blank=True, help_text="局のみ: 関東、近畿など")
    sort_order = models.PositiveIntegerField("表示順", default=0)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = "関係主体"
        verbose_name_plural = "関係主体"
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["jis_code"],
                condition=Q(kind="prefecture"),
                name="unique_prefecture_jis_code",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The one name every page uses for the body: 東京都, INPIT, 関東局, 日本商工会議所.

        The short name where the reference data gives one (a Latin acronym, a bureau's block, a name without
        its legal form), else the name; see data/organizations.yaml. `name` is the formal name (正式名称).
        """
        return self.short_name or self.name

    @property
    def is_central(self) -> bool:
        """JPO and INPIT headquarters own the central KPIs (中央KPI)."""
        return self.kind in (OrganizationKind.JPO, OrganizationKind.INPIT)


class Membership(models.Model):
    """A user's place in an organisation (所属) with a role: viewer, editor, reviewer or administrator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="利用者", on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name="所属", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("役割", max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.organization} ({self.get_role_display()})"

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)
