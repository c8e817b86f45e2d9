"""The writers of sign-in accounts: an organisation's administrator invites and disables its own users, and an
administrator unlocks a locked-out sign-in. Each checks the permission rule, locks, and records old → new."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from chizai.audit.log import log
from chizai.organizations.models import Membership, Organization, Role
from chizai.organizations.permissions import can_manage_members, can_unlock_sign_ins
from chizai.organizations.types import Actor

MEMBERS_REASON = "組織の利用者管理"


class InviteTokenGenerator(PasswordResetTokenGenerator):
    """Invitation links: single use (the hash covers the password, which accepting sets) and expiring after
    PASSWORD_RESET_TIMEOUT; a salt of their own, so a reset link is no invitation and the reverse."""

    key_salt = "chizai.accounts.invite"


invite_tokens = InviteTokenGenerator()


def account_values(user: Any) -> dict[str, Any]:
    """What a user's history records: who they are and whether they may sign in; never the password hash."""
    return {
        "username": user.get_username(),
        "email": user.email,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "is_active": user.is_active,
        "password_set": user.has_usable_password(),
    }


def invite_link(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:accept_invite", kwargs={"uidb64": uidb64, "token": invite_tokens.make_token(user)})
    return settings.CHIZAI_SITE_URL.rstrip("/") + path


def _require_manager(actor: Actor, organization: Organization) -> None:
    if actor is None or not can_manage_members(actor, organization):
        raise PermissionDenied("この組織の利用者を管理する権限がありません。")


def _send_invitation(user: User, organization: Organization, inviter: Actor) -> None:
    context = {
        "user": user,
        "organization": organization,
        "inviter": inviter,
        "link": invite_link(user),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_message.txt", context)
    EmailMessage(subject, body, to=[user.email]).send()


def invite_member(
    *,
    actor: Actor,
    organization: Organization,
    username: str,
    email: str,
    last_name: str = "",
    first_name: str = "",
    role: str = Role.VIEWER,
) -> User:
    """Create an account with no password and its membership, and mail the invitee a link (single use, expiring)
    where they choose their password. The mail goes once the transaction has committed."""
    _require_manager(actor, organization)
    UserModel = get_user_model()
    if role not in Role.values:
        raise ValidationError({"role": "役割を選んでください。"})
    with transaction.atomic():
        if UserModel.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": "このユーザー名は既に使われています。"})
        user = UserModel(username=username, email=email, last_name=last_name, first_name=first_name)
        user.set_unusable_password()
        user.save()
        membership = Membership.objects.create(user=user, organization=organization, role=role)
        log(actor, "user.invited", user, None, account_values(user), reason=MEMBERS_REASON)
        log(
            actor,
            "organization.membership.created",
            membership,
            None,
            {"user": username, "organization": organization.code, "role": role},
            reason=MEMBERS_REASON,
        )
        transaction.on_commit(lambda: _send_invitation(user, organization, actor))
    return user


def resend_invitation(*, actor: Actor, organization: Organization, user: User) -> None:
    """Mail a fresh link to an invitee who has not chosen a password yet."""
    _require_manager(actor, organization)
    _require_member(user, organization)
    if user.has_usable_password():
        raise ValidationError("この利用者は既にパスワードを設定しています。")
    log(
        actor,
        "user.invitation_resent",
        user,
        {"invitation_sent": False},
        {"invitation_sent": True},
        reason=MEMBERS_REASON,
    )
    _send_invitation(user, organization, actor)


def _require_member(user: Any, organization: Organization) -> None:
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise PermissionDenied("この組織の利用者ではありません。")


def set_member_active(*, actor: Actor, organization: Organization, user: User, active: bool) -> None:
    """Disable a user of the organisation (they can no longer sign in; their API token stops working with
    them), or enable them again. Users who belong to other organisations too, staff and superusers are managed in
    the admin instead."""
    _require_manager(actor, organization)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        _require_member(locked, organization)
        if actor is not None and locked.pk == actor.pk:
            raise ValidationError("自分自身を無効にすることはできません。")
        if locked.is_staff or locked.is_superuser:
            raise PermissionDenied("管理画面の利用者は、この画面では変更できません。")
        if Membership.objects.filter(user=locked).exclude(organization=organization).exists():
            raise PermissionDenied("他の組織にも所属している利用者は、管理画面で変更してください。")
        if locked.is_active == active:
            return
        before = account_values(locked)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        log(
            actor,
            "user.enabled" if active else "user.disabled",
            locked,
            before,
            account_values(locked),
            reason=MEMBERS_REASON,
        )
    user.is_active = active


def accept_invitation(*, user: User, password: str) -> None:
    """The invitee sets their password through their link (the view has checked the token and the rules)."""
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        before = account_values(locked)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        log(locked, "user.invitation_accepted", locked, before, account_values(locked), reason=MEMBERS_REASON)


def unlock_sign_in(*, actor: Actor, user: Any) -> int:
    """Clear a user's lockout (django-axes's failure records for their username); returns how many were cleared."""
    if actor is None or not can_unlock_sign_ins(actor):
        raise PermissionDenied("ロックを解除する権限がありません。")
    with transaction.atomic():
        cleared = int(axes_reset(username=user.get_username().lower()))
        if cleared:
            log(
                actor,
                "user.unlocked",
                user,
                {"locked_out": True},
                {"locked_out": False},
                reason="サインインのロック解除",
            )
    return cleared


def reset_second_factor(*, actor: Actor, user: Any) -> int:
    """Remove a user's second factors and recovery codes (a lost phone): at their next sign-in they set one up
    again (when it is required). Returns how many were removed."""
    if actor is None or not can_unlock_sign_ins(actor):
        raise PermissionDenied("二要素認証をリセットする権限がありません。")
    with transaction.atomic():
        authenticators = list(Authenticator.objects.select_for_update().filter(user_id=user.pk))
        if not authenticators:
            return 0
        before = {"second_factors": sorted(a.type for a in authenticators)}
        Authenticator.objects.filter(pk__in=[a.pk for a in authenticators]).delete()
        log(actor, "user.second_factor_reset", user, before, {"second_factors": []}, reason="二要素認証のリセット")
    return len(authenticators)
