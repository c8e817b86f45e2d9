"""The search box: KPIs, organisations, hands-on support cases and companies the user may see.

Each kind is read through its model's `visible_to(user)`, so a search never shows what the user could not open.
A query of 3 characters or more uses the trigram index (FTS5 on SQLite; on PostgreSQL `icontains`, which
the pg_trgm GIN indexes serve); a shorter one (e.g. 「東京」) falls back to a plain `icontains` scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from chizai.cases.models import Company, SupportCase
from chizai.kpis.models import Kpi
from chizai.organizations.models import Organization
from chizai.organizations.types import AnyUser

MIN_TRIGRAM = 3
MAX_QUERY = 100
LIMIT = 20


@dataclass
class Results:
    query: str
    kpis: list[Kpi] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    cases: list[SupportCase] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.kpis) + len(self.organizations) + len(self.companies) + len(self.cases)


def normalize(query: str) -> str:
    """Trimmed, inner runs of white space (half- or full-width) made one space, at most 100 characters."""
    return " ".join(query.split())[:MAX_QUERY]


def _fts_ids(table: str, query: str) -> RawSQL:
    phrase = '"' + query.replace('"', '""') + '"'
    fts = f"search_{table}_fts"
    return RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", (phrase,))  # noqa: S611 - fixed table name


def _matching(queryset: QuerySet[Any], table: str, columns: tuple[str, ...], query: str) -> QuerySet[Any]:
    if len(query) >= MIN_TRIGRAM and connection.vendor == "sqlite":
        return queryset.filter(pk__in=_fts_ids(table, query))
    condition = Q()
    for column in columns:
        condition |= Q(**{f"{column}__icontains": query})
    return queryset.filter(condition)


def search(user: AnyUser, query: str) -> Results:
    query = normalize(query)
    results = Results(query=query)
    if not query:
        return results
    kpis = _matching(Kpi.objects.visible_to(user), "kpis_kpi", ("name",), query)
    results.kpis = list(kpis.select_related("plan", "owner").order_by("plan__number", "sort_order", "pk")[:LIMIT])
    organizations = _matching(
        Organization.objects.visible_to(user), "organizations_organization", ("name", "short_name"), query
    )
    results.organizations = list(organizations.order_by("sort_order", "code")[:LIMIT])
    companies = _matching(Company.objects.visible_to(user), "cases_company", ("name", "corporate_number"), query)
    results.companies = list(companies.select_related("prefecture").order_by("name", "pk")[:LIMIT])
    matching_companies = _matching(Company.objects.all(), "cases_company", ("name", "corporate_number"), query)
    cases = SupportCase.objects.visible_to(user).filter(company__in=matching_companies.values("pk"))
    results.cases = list(cases.select_related("company", "support_team").order_by("-opened_on", "-pk")[:LIMIT])
    return results
