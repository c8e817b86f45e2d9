"""Admin for the organisations (関係主体) and the users' memberships (所属)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from chizai.organizations.models import Membership, Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "bureau", "jis_code")
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role", "organization__kind")
    list_select_related = ("user", "organization")
    search_fields = ("user__username", "user__email", "organization__name", "organization__code")
    autocomplete_fields = ("user", "organization")


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("organization",)
    verbose_name = "所属"
    verbose_name_plural = "所属"


User = get_user_model()


class ChizaiUserAdmin(UserAdmin):
    """Django's user admin with the user's memberships (所属) inline."""

    inlines = (*UserAdmin.inlines, MembershipInline)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ChizaiUserAdmin)
