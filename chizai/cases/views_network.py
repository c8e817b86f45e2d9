"""The referral network page (紹介ネットワーク): counts of referred cases as a table and a diagram."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chizai.cases.network import SCOPE_ALL, SCOPE_BLOCK, build_diagram, referral_network, visible_blocks
from chizai.kpis.models import Plan
from chizai.organizations.models import Organization

SCOPE_NOTES = {
    SCOPE_ALL: "すべての紹介元を表示しています。",
    SCOPE_BLOCK: "所管する地域ブロックの紹介元を表示しています。",
}
OWN_NOTE = "所属する関係主体が紹介した件数だけを表示しています。"


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 1990 <= int(value) <= 2100 else None


def _block(code: str | None, blocks: list[Organization]) -> Organization | None:
    return next((bureau for bureau in blocks if bureau.code == code), None)


@login_required
@require_GET
def network(request: HttpRequest) -> HttpResponse:
    blocks = visible_blocks(request.user)
    year = _year(request.GET.get("year"))
    block = _block(request.GET.get("block"), blocks)
    result = referral_network(request.user, fiscal_year=year, bureau=block)
    context: dict[str, Any] = {
        "network": result,
        "diagram": build_diagram(result),
        "year_choices": _year_choices(year),
        "selected_year": year,
        "blocks": blocks if len(blocks) > 1 else [],
        "selected_block": block,
        "scope_note": SCOPE_NOTES.get(result.scope, OWN_NOTE),
    }
    return render(request, "cases/network.html", context)


def _year_choices(selected: int | None) -> list[int]:
    """The fiscal years of the plans, plus the selected one."""
    years = {year for plan in Plan.objects.all() for year in plan.fiscal_years}
    return sorted(years | ({selected} if selected else set()), reverse=True)
