"""The audit log page (変更履歴の一覧): JPO administrators read every recorded change and access, filtered and
one page at a time. Everyone else is refused; the history of one KPI or case stays on its own page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chizai.audit.forms import AuditFilterForm
from chizai.audit.models import AuditEntry
from chizai.organizations.permissions import is_jpo_admin
from chizai.paging import paginate


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    if not (is_jpo_admin(request.user) or getattr(request.user, "is_superuser", False)):
        raise PermissionDenied("変更履歴の一覧は特許庁の管理者が利用します。")
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(AuditEntry.objects.visible_to(request.user)).select_related("actor")
    paged = paginate(request, entries.order_by("-at", "-pk"))
    context = {"form": form, "paged": paged, "filtered": form.is_bound and form.has_changed()}
    return render(request, "audit/entry_list.html", context)
