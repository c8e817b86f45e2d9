"""An organisation's administrator's user pages (invite, disable, enable) and the invitee's password page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_POST

from chizai.accounts import actions
from chizai.accounts.adapters import has_second_factor, second_factor_required
from chizai.accounts.forms import InviteForm
from chizai.organizations.models import Membership, Organization, Role
from chizai.organizations.permissions import can_manage_members, can_view_organization, organizations_where
from chizai.organizations.types import AnyUser

NOT_MANAGER = "この組織の利用者を管理する権限がありません（組織の管理者のみ）。"


def get_managed_organization_for_user(user: AnyUser, code: str) -> Organization:
    """The organisation whose users `user` manages: 404 when they may not even see it, 403 when they see it
    but are not its administrator."""
    organization = get_object_or_404(Organization, code=code)
    if not can_view_organization(user, organization):
        raise Http404
    if not can_manage_members(user, organization):
        raise PermissionDenied(NOT_MANAGER)
    return organization


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    """The user's own sign-in settings: password, second factor, and the organisations whose users they manage."""
    context = {
        "managed": organizations_where(request.user, (Role.ADMIN,)),
        "second_factor": has_second_factor(request.user),
        "second_factor_required": second_factor_required(request.user),
    }
    return render(request, "accounts/account.html", context)


@login_required
def member_index(request: HttpRequest) -> HttpResponse:
    managed = organizations_where(request.user, (Role.ADMIN,))
    if len(managed) == 1:
        return redirect("accounts:member_list", code=managed[0].code)
    return render(request, "accounts/member_index.html", {"organizations": managed})


@login_required
def member_list(request: HttpRequest, code: str) -> HttpResponse:
    organization = get_managed_organization_for_user(request.user, code)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.invite_member(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{user.get_username()} さんに招待メールを送りました（{user.email}）。")
            return redirect("accounts:member_list", code=organization.code)
    memberships = Membership.objects.filter(organization=organization).select_related("user").order_by("user__username")
    return render(
        request,
        "accounts/member_list.html",
        {"organization": organization, "memberships": memberships, "form": form},
    )


def _member(organization: Organization, pk: int) -> Any:
    membership = get_object_or_404(Membership.objects.select_related("user"), organization=organization, user_id=pk)
    return membership.user


@login_required
@require_POST
def member_active(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = get_managed_organization_for_user(request.user, code)
    user = _member(organization, pk)
    active = request.POST.get("active") == "1"
    try:
        actions.set_member_active(actor=request.user, organization=organization, user=user, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        verb = "有効にしました" if active else "無効にしました（ログインできなくなります）"
        messages.success(request, f"{user.get_username()} さんを{verb}。")
    return redirect("accounts:member_list", code=organization.code)


@login_required
@require_POST
def member_resend(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = get_managed_organization_for_user(request.user, code)
    user = _member(organization, pk)
    try:
        actions.resend_invitation(actor=request.user, organization=organization, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{user.get_username()} さんに招待メールを送り直しました。")
    return redirect("accounts:member_list", code=organization.code)


def _invited_user(uidb64: str, token: str) -> Any:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = get_user_model().objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        return None
    if not user.is_active or user.has_usable_password() or not actions.invite_tokens.check_token(user, token):
        return None
    return user


def accept_invite(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitee chooses a password (the same rules as everywhere); the link then stops working."""
    user = _invited_user(uidb64, token)
    if user is None:
        return render(request, "accounts/invite_invalid.html")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.accept_invitation(user=user, password=form.cleaned_data["new_password1"])
        messages.success(request, "パスワードを設定しました。ユーザー名と新しいパスワードでログインしてください。")
        return redirect("login")
    return render(request, "accounts/accept_invite.html", {"form": form, "invitee": user})
