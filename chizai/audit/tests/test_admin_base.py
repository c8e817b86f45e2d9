"""Deleting through the admin: the owning app's writer, a refusal for plan data, never an unaudited cascade."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from chizai.audit.admin_base import AuditedModelAdmin
from chizai.audit.models import AuditEntry
from chizai.organizations.models import Membership, Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(jpo_admin: Any) -> Any:
    jpo_admin.is_staff = jpo_admin.is_superuser = True
    jpo_admin.save()
    return jpo_admin


def admin_request(user: Any) -> Any:
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def test_it_deletes_through_the_owning_apps_writer_when_one_is_named(superuser: Any) -> None:
    removed: list[tuple[Any, Any]] = []

    class WrittenAdmin(AuditedModelAdmin):
        @staticmethod
        def delete_with(*, obj: Any, actor: Any) -> None:
            removed.append((obj, actor))

    membership = Membership.objects.filter(user=superuser).first()
    WrittenAdmin(Membership, admin.site).delete_model(admin_request(superuser), membership)

    assert removed == [(membership, superuser)]
    assert Membership.objects.filter(pk=membership.pk).exists()  # the writer decides; here it kept the row


def test_it_refuses_every_delete_of_rows_marked_not_deletable(superuser: Any) -> None:
    class PlanDataAdmin(AuditedModelAdmin):
        deletable = False

    model_admin = PlanDataAdmin(Organization, admin.site)
    organization = Organization.objects.get(code="jpo")

    assert not model_admin.has_delete_permission(admin_request(superuser), organization)
    with pytest.raises(PermissionDenied, match="管理画面からは削除できません"):
        model_admin.delete_model(admin_request(superuser), organization)


def test_it_deletes_and_audits_a_row_nothing_else_depends_on(superuser: Any) -> None:
    class PlainAdmin(AuditedModelAdmin):
        audit_code = "organization"

    lonely = Organization.objects.create(code="lonely", kind="support_body", name="孤立した支援機関")

    PlainAdmin(Organization, admin.site).delete_model(admin_request(superuser), lonely)

    assert not Organization.objects.filter(code="lonely").exists()
    entry = AuditEntry.objects.get(action="organization.deleted")
    assert entry.changes["name"] == ["孤立した支援機関", None]
