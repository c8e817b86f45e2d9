"""Who may write what through the API: the same rules as the pages (chizai.organizations.permissions)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied

from chizai.kpis.models import Kpi, KpiKind
from chizai.organizations.models import Organization, OrganizationKind, Role
from chizai.organizations.permissions import can_edit_organization, memberships


def is_jpo_admin(user: Any) -> bool:
    """A JPO administrator (or a superuser): the only ones who change a plan's own texts."""
    if getattr(user, "is_superuser", False):
        return True
    return any(m.organization.kind == OrganizationKind.JPO and m.role == Role.ADMIN for m in memberships(user))


def check_plan_writer(user: Any) -> None:
    if not is_jpo_admin(user):
        raise PermissionDenied("計画を変更できるのは特許庁の管理者だけです。")


def check_kpi_data_writer(user: Any, kpi: Kpi) -> None:
    """Targets, actuals and evaluations: editors of the KPI's owner (and JPO administrators)."""
    if not can_edit_organization(user, kpi.owner):
        raise PermissionDenied("このKPIのデータを変更する権限がありません。")


def check_regional_kpi_writer(user: Any, kpi: Kpi) -> None:
    """KPI definitions: only regional KPIs, by editors of their prefecture; central KPIs stay with the plan file."""
    if kpi.kind != KpiKind.REGIONAL:
        raise PermissionDenied("中央KPIの定義はAPIからは変更できません（計画ファイルで管理しています）。")
    check_kpi_data_writer(user, kpi)


def check_regional_owner(user: Any, owner: Organization) -> None:
    if not can_edit_organization(user, owner):
        raise PermissionDenied("この関係主体のKPIを登録・変更する権限がありません。")
