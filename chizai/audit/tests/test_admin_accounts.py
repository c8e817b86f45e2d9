"""The admin of who may do what: every change to organisations, users, memberships and API tokens is audited."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from chizai.audit.models import AuditEntry
from chizai.organizations.models import Membership, Organization, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(jpo_admin: Any) -> Any:
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    return jpo_admin


@pytest.fixture
def admin_client(client: Any, superuser: Any) -> Any:
    client.force_login(superuser)
    return client


def user_form(user: Any, **changes: Any) -> dict[str, Any]:
    """The admin's user change form as posted, with the memberships inline as they are."""
    memberships = list(Membership.objects.filter(user=user).order_by("pk"))
    data: dict[str, Any] = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = str(membership.pk)
        data[f"memberships-{index}-user"] = str(user.pk)
        data[f"memberships-{index}-organization"] = str(membership.organization_id)
        data[f"memberships-{index}-role"] = membership.role
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_it_audits_a_membership_role_changed_in_the_admin(admin_client: Any, tokyo_viewer: Any) -> None:
    membership = Membership.objects.get(user=tokyo_viewer)

    response = admin_client.post(
        f"/admin/organizations/membership/{membership.pk}/change/",
        {"user": tokyo_viewer.pk, "organization": membership.organization_id, "role": Role.EDITOR},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="organization.membership.updated")
    assert entry.changes == {"role": ["viewer", "editor"]}
    assert entry.reason == "管理画面"


def test_it_audits_a_membership_created_and_deleted_in_the_admin(admin_client: Any, tokyo_viewer: Any) -> None:
    osaka = Organization.objects.get(code="pref-27")

    admin_client.post(
        "/admin/organizations/membership/add/", {"user": tokyo_viewer.pk, "organization": osaka.pk, "role": "viewer"}
    )
    membership = Membership.objects.get(user=tokyo_viewer, organization=osaka)
    admin_client.post(f"/admin/organizations/membership/{membership.pk}/delete/", {"post": "yes"})

    assert not Membership.objects.filter(pk=membership.pk).exists()
    created = AuditEntry.objects.get(action="organization.membership.created")
    deleted = AuditEntry.objects.get(action="organization.membership.deleted")
    assert created.changes["organization"] == [None, "pref-27"]
    assert deleted.changes["role"] == ["viewer", None]


def test_it_audits_is_staff_set_on_a_user_and_never_records_the_password(admin_client: Any, tokyo_viewer: Any) -> None:
    response = admin_client.post(f"/admin/auth/user/{tokyo_viewer.pk}/change/", user_form(tokyo_viewer, is_staff="on"))

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="user.updated", object_id=str(tokyo_viewer.pk))
    assert entry.changes == {"is_staff": [False, True]}
    assert not AuditEntry.objects.filter(changes__has_key="password").exists()


def test_it_audits_a_role_changed_in_the_users_membership_inline(admin_client: Any, tokyo_viewer: Any) -> None:
    form = user_form(tokyo_viewer, **{"memberships-0-role": Role.EDITOR})

    admin_client.post(f"/admin/auth/user/{tokyo_viewer.pk}/change/", form)

    entry = AuditEntry.objects.get(action="organization.membership.updated")
    assert entry.changes == {"role": ["viewer", "editor"]}


def test_it_audits_an_organisation_renamed_in_the_admin(admin_client: Any) -> None:
    tokyo = Organization.objects.get(code="pref-13")
    data = {
        "code": tokyo.code,
        "kind": tokyo.kind,
        "name": "東京都（改称）",
        "short_name": tokyo.short_name,
        "sort_order": tokyo.sort_order,
        "parent": tokyo.parent_id or "",
        "bureau": tokyo.bureau_id,
        "jis_code": tokyo.jis_code,
        "block_name": "",
        "support_body_type": "",
    }

    response = admin_client.post(f"/admin/organizations/organization/{tokyo.pk}/change/", data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="organization.updated")
    assert entry.changes == {"name": ["東京都", "東京都（改称）"]}


def test_it_refuses_to_delete_an_organisation_whose_memberships_would_go_with_it(admin_client: Any) -> None:
    tokyo = Organization.objects.get(code="pref-13")

    response = admin_client.post(f"/admin/organizations/organization/{tokyo.pk}/delete/", {"post": "yes"}, follow=True)

    assert Organization.objects.filter(pk=tokyo.pk).exists()
    assert "管理画面からは削除できません" in response.content.decode()
    assert not AuditEntry.objects.filter(action="organization.deleted").exists()


def test_it_audits_an_api_token_created_and_deleted_in_the_admin_without_its_key(
    admin_client: Any, tokyo_editor: Any
) -> None:
    admin_client.post("/admin/authtoken/tokenproxy/add/", {"user": tokyo_editor.pk})
    token = Token.objects.get(user=tokyo_editor)
    # DRF's token admin addresses a token by its user
    admin_client.post(f"/admin/authtoken/tokenproxy/{tokyo_editor.pk}/delete/", {"post": "yes"})

    assert not Token.objects.filter(user=tokyo_editor).exists()
    created = AuditEntry.objects.get(action="api.token.created")
    assert created.changes["user"] == [None, "tokyo_editor"]
    assert AuditEntry.objects.filter(action="api.token.revoked").exists()
    assert token.key not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_it_records_a_password_set_in_the_admin_without_the_hash(admin_client: Any, tokyo_viewer: Any) -> None:
    response = admin_client.post(
        f"/admin/auth/user/{tokyo_viewer.pk}/password/",
        {"password1": "new-pass-5678-chizai", "password2": "new-pass-5678-chizai", "usable_password": "true"},
    )

    assert response.status_code == 302
    tokyo_viewer.refresh_from_db()
    entry = AuditEntry.objects.get(action="user.password_changed")
    assert entry.changes == {"password_set": [False, True]}
    assert tokyo_viewer.password not in str(entry.changes)
