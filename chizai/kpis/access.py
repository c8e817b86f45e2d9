"""The permission chokepoint for KPIs and organisations: every view fetches through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from chizai.kpis.models import Kpi
from chizai.organizations.models import Organization
from chizai.organizations.permissions import can_edit_organization, can_view_organization


def get_kpi_for_user(user: Any, pk: int, *, write: bool = False) -> Kpi:
    """The KPI if the user may see it (404 otherwise), and may change its data when `write` (403 otherwise)."""
    kpi = Kpi.objects.visible_to(user).with_values().filter(pk=pk).first()
    if kpi is None:
        raise Http404("KPIが見つかりません。")
    if write and not can_edit_organization(user, kpi.owner):
        raise PermissionDenied("このKPIの実績を入力する権限がありません。")
    return kpi


def get_organization_for_user(user: Any, code: str) -> Organization:
    organization = Organization.objects.select_related("bureau", "prefecture", "parent").filter(code=code).first()
    if organization is None or not can_view_organization(user, organization):
        raise Http404("関係主体が見つかりません。")
    return organization
