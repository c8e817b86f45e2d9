"""Admin for the organisations (関係主体), the users, their memberships (所属) and their API tokens.

Every change made here is audited: who may do what rests on these rows. A user's password hash and a token's
key are never recorded. Kept in the audit app because organizations sits below audit in the layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest
from rest_framework.authtoken.models import TokenProxy

from chizai.audit.admin_base import AuditedModelAdmin
from chizai.audit.log import log
from chizai.organizations.models import Membership, Organization

ADMIN_REASON = "管理画面"
# What a user's history records: who they are and what they may do; never the password hash.
if TYPE_CHECKING:
    TabularInline = admin.TabularInline[Membership, Any]
else:
    TabularInline = admin.TabularInline  # generic for the type checker only

USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    audit_code = "organization"
    list_display = ("code", "name", "short_name", "kind", "bureau", "jis_code")
    list_filter = ("kind", "bureau")
    list_select_related = ("bureau",)
    search_fields = ("code", "name", "short_name", "jis_code")
    autocomplete_fields = ("parent", "bureau", "prefecture")
    ordering = ("kind", "sort_order", "code")
    fieldsets = (
        (None, {"fields": ("code", "kind", "name", "short_name", "sort_order")}),
        (
            "位置づけ",
            {"fields": ("parent", "bureau", "prefecture", "block_name", "jis_code", "support_body_type")},
        ),
    )


def membership_values(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user.get_username(),
        "organization": membership.organization.code,
        "role": membership.role,
    }


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    audit_code = "organization.membership"
    list_display = ("user", "organization", "role")
    list_filter = ("role", "organization__kind")
    list_select_related = ("user", "organization")
    search_fields = ("user__username", "user__email", "organization__name", "organization__code")
    autocomplete_fields = ("user", "organization")

    def audit_values(self, obj: Any) -> dict[str, Any]:
        return membership_values(obj)


class MembershipInline(TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("organization",)
    verbose_name = "所属"
    verbose_name_plural = "所属"


User = get_user_model()


def user_values(user: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(user, name) for name in USER_FIELDS if hasattr(user, name)}
    if user.pk:
        values["groups"] = sorted(user.groups.values_list("name", flat=True))
        values["user_permissions"] = sorted(user.user_permissions.values_list("codename", flat=True))
    return values


class ChizaiUserAdmin(UserAdmin):  # type: ignore[type-arg]  # django-stubs: UserAdmin's parameter is bound
    """Django's user admin with the user's memberships (所属) inline, every change audited (never the password)."""

    inlines = (*UserAdmin.inlines, MembershipInline)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        # The groups are saved after the row (save_related): the entry is written there, with both.
        request._chizai_user_before = user_values(User.objects.get(pk=obj.pk)) if change else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            user = form.instance
            before = getattr(request, "_chizai_user_before", None)
            verb = "updated" if change else "created"
            log(request.user, f"user.{verb}", user, before, user_values(user), reason=ADMIN_REASON)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            for deleted in formset.deleted_forms:
                if deleted.instance.pk:
                    log_membership(request, "deleted", deleted.instance, membership_values(deleted.instance), None)
            before = {m.pk: membership_values(m) for m in Membership.objects.filter(user=form.instance)}
            super().save_formset(request, form, formset, change)
            for membership in formset.new_objects:
                log_membership(request, "created", membership, None, membership_values(membership))
            for membership, _fields in formset.changed_objects:
                log_membership(request, "updated", membership, before.get(membership.pk), membership_values(membership))

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """A password set through the admin is recorded as having changed; the hash itself never is."""
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user is not None and user.password != before:
            log(
                request.user,
                "user.password_changed",
                user,
                {"password_set": False},
                {"password_set": True},
                reason=ADMIN_REASON,
            )
        return response

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        """The user goes with their memberships and token: each removed row is recorded."""
        with transaction.atomic():
            for membership in Membership.objects.filter(user=obj).select_related("user", "organization"):
                log_membership(request, "deleted", membership, membership_values(membership), None)
            for token in TokenProxy.objects.filter(user=obj):
                log(request.user, "api.token.deleted", token, token_values(token), None, reason=ADMIN_REASON)
            log(request.user, "user.deleted", obj, user_values(obj), None, reason=ADMIN_REASON)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def log_membership(request: HttpRequest, verb: str, membership: Membership, before: Any, after: Any) -> None:
    log(request.user, f"organization.membership.{verb}", membership, before, after, reason=ADMIN_REASON)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ChizaiUserAdmin)


def token_values(token: Any) -> dict[str, Any]:
    """A token's holder and creation time; never its key (recorded when a user is deleted with its token)."""
    return {"user": token.user.get_username(), "created": token.created}


# API tokens are the API app's rows: chizai/api/admin.py registers their admin, writing through chizai.api.actions.
