"""Who may write what through the API: the pages' rules, asked of chizai.organizations.permissions.

The API raises DRF's PermissionDenied (a JSON 403) with the same Japanese messages; no role is read here.
"""

from __future__ import annotations

from rest_framework.exceptions import PermissionDenied

from chizai.kpis.models import Kpi, KpiKind
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, edits_somewhere, is_jpo_admin
from chizai.organizations.types import AnyUser


def check_plan_writer(user: AnyUser) -> None:
    if not is_jpo_admin(user):
        raise PermissionDenied("計画を変更できるのは特許庁の管理者だけです。")


def check_kpi_data_writer(user: AnyUser, kpi: Kpi) -> None:
    """Targets, actuals and evaluations: editors of the KPI's owner (and JPO administrators)."""
    if not can_edit_organization(user, kpi.owner):
        raise PermissionDenied("このKPIのデータを変更する権限がありません。")


def check_regional_kpi_writer(user: AnyUser, kpi: Kpi) -> None:
    """KPI definitions: only regional KPIs, by editors of their prefecture; central KPIs stay with the plan file."""
    if kpi.kind != KpiKind.REGIONAL:
        raise PermissionDenied("中央KPIの定義はAPIからは変更できません（計画ファイルで管理しています）。")
    check_kpi_data_writer(user, kpi)


def check_regional_owner(user: AnyUser, owner: Organization) -> None:
    if not can_edit_organization(user, owner):
        raise PermissionDenied("この関係主体のKPIを登録・変更する権限がありません。")


def check_any_writer(user: AnyUser) -> None:
    """Refuse a write before its body is read when the user may write nothing at all (a viewer)."""
    if not edits_somewhere(user):
        raise PermissionDenied("閲覧の権限しかないため、登録・変更はできません。")
