"""The permission chokepoint for KPIs, their targets and organisations: every view fetches through here.

Roles are read only in chizai.organizations.permissions; this module says what they mean for KPI data.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from chizai.kpis.models import RELATED, Kpi, KpiKind, Target
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, can_view_organization, is_jpo_admin
from chizai.organizations.types import AnyUser

NO_DATA_RIGHT = "このKPIの実績を入力する権限がありません。"


def can_enter_actuals(user: AnyUser, kpi: Kpi) -> bool:
    """Targets, actuals and written evaluations: editors of the KPI's owner (and JPO administrators)."""
    return can_edit_organization(user, kpi.owner)


def can_define_kpi(user: AnyUser, kpi: Kpi) -> bool:
    """A regional KPI's definition: its prefecture's editors; every other KPI is plan text (JPO administrators)."""
    return can_edit_organization(user, kpi.owner) if kpi.kind == KpiKind.REGIONAL else is_jpo_admin(user)


def get_kpi_for_user(user: AnyUser, pk: int, *, write: bool = False, values: bool = True) -> Kpi:
    """The KPI if the user may see it (404 otherwise), and may change its data when `write` (403 otherwise).
    With `values` (the default) its targets, actuals and evaluations come with it; without, only its plan,
    owner and parent (for a page that may not need its rows)."""
    kpis = Kpi.objects.visible_to(user)
    kpi = (kpis.with_values() if values else kpis.select_related(*RELATED)).filter(pk=pk).first()
    if kpi is None:
        raise Http404("KPIが見つかりません。")
    if write and not can_enter_actuals(user, kpi):
        raise PermissionDenied(NO_DATA_RIGHT)
    return kpi


def get_target_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Target:
    """The target if the user may see its KPI (404 otherwise), and may change it when `write` (403 otherwise)."""
    target: Target | None = (
        Target.objects.visible_to(user).select_related("kpi__owner", "kpi__plan").filter(pk=pk).first()
    )
    if target is None:
        raise Http404("目標が見つかりません。")
    if write and not can_enter_actuals(user, target.kpi):
        raise PermissionDenied("このKPIのデータを変更する権限がありません。")
    return target


def get_organization_for_user(user: AnyUser, code: str, *, write: bool = False) -> Organization:
    """The organisation if the user may see it (404 otherwise), and may change its data when `write` (403)."""
    organization = Organization.objects.select_related("bureau", "prefecture", "parent").filter(code=code).first()
    if organization is None or not can_view_organization(user, organization):
        raise Http404("関係主体が見つかりません。")
    if write and not can_edit_organization(user, organization):
        raise PermissionDenied("この関係主体のデータを変更する権限がありません。")
    return organization
